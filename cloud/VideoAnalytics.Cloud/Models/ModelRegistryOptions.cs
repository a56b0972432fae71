using System.ComponentModel.DataAnnotations;

namespace VideoAnalytics.Cloud.Models;

/// <summary>Model registry settings (<c>Cloud:Models</c>).</summary>
public sealed class ModelRegistryOptions : IValidatableObject
{
    public const string Section = "Cloud:Models";

    /// <summary>Base URL edges download packages from (this service as the edges reach it), e.g. <c>https://cloud.example/</c>.</summary>
    [Required] public string PublicBaseUrl { get; set; } = "";

    /// <summary>Key id → public key (PEM text or path). Uploaded packages must be signed by one of these.</summary>
    public Dictionary<string, string> TrustedKeys { get; set; } = [];

    [Range(1024, 16L * 1024 * 1024 * 1024)] public long MaxPackageBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Roll a scope back once more than this percent of the released devices failed.</summary>
    [Range(0, 100)] public int FailureThresholdPercent { get; set; } = 10;

    /// <summary>How long the canary may take to report; then its silent devices count as failed (zero: wait forever).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")] public TimeSpan CanaryTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often a silo looks for canary deadlines that passed while no silo had their rollout active.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")] public TimeSpan CanaryWatchInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Subscribe to <c>models/reported</c> here (shared subscription); off when Ingest forwards reports instead.</summary>
    public bool SubscribeReports { get; set; } = true;

    /// <summary>Where uploads are staged while they are checked.</summary>
    public string StagingDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "va-model-uploads");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
            yield return new ValidationResult($"{Section}:PublicBaseUrl '{PublicBaseUrl}' must be an absolute http(s) URL", [nameof(PublicBaseUrl)]);
        if (TrustedKeys.Count == 0)
            yield return new ValidationResult($"{Section}:TrustedKeys is empty: list the public key(s) allowed to sign packages (va keys create)", [nameof(TrustedKeys)]);
    }
}
