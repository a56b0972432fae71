using System.ComponentModel.DataAnnotations;

namespace VideoAnalytics.Cloud.Alerts;

/// <summary><c>Cloud:Alerts</c>: how evidence merges into incidents, and where alerts are sent.</summary>
public sealed class AlertOptions : IValidatableObject
{
    public const string Section = "Cloud:Alerts";

    /// <summary>Evidence for the same camera and rule within this time of the alert's last evidence joins that alert.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Cloud:Alerts:MergeWindow must be 1 s to 1 day.")]
    public TimeSpan MergeWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Publish alerts on the site's MQTT alert topic (needs Cloud:Mqtt:Host).</summary>
    public bool PublishMqtt { get; set; } = true;

    public List<WebhookOptions> Webhooks { get; set; } = [];

    [Range(1, 20, ErrorMessage = "Cloud:Alerts:WebhookMaxAttempts must be 1-20.")]
    public int WebhookMaxAttempts { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00", ErrorMessage = "Cloud:Alerts:WebhookBackoffInitial must be 50 ms to 10 min.")]
    public TimeSpan WebhookBackoffInitial { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Cloud:Alerts:WebhookTimeout must be 1 s to 5 min.")]
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Webhooks.Count; i++)
        {
            var w = Webhooks[i];
            if (!Uri.TryCreate(w.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                yield return new ValidationResult($"Cloud:Alerts:Webhooks:{i}:Url must be an http(s) URL.");
            if (string.IsNullOrEmpty(w.Secret) || w.Secret.Length < 16)
                yield return new ValidationResult($"Cloud:Alerts:Webhooks:{i}:Secret must be at least 16 characters (it signs the body).");
        }
    }
}

/// <summary>One webhook: the body is the alert JSON, signed with HMAC-SHA256 of <see cref="Secret"/> over <c>X-VA-Timestamp</c> and the body, in <c>X-VA-Signature</c>.</summary>
public sealed class WebhookOptions
{
    public string Url { get; set; } = "";

    public string Secret { get; set; } = "";
}
