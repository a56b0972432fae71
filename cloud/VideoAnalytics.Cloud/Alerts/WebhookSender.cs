using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;

namespace VideoAnalytics.Cloud.Alerts;

/// <summary>How one webhook call ended.</summary>
public enum WebhookOutcome
{
    Delivered,
    /// <summary>Network error, timeout, 408, 429 or 5xx: worth another attempt later.</summary>
    Retry,
    /// <summary>Any other 4xx: the receiver refuses this body; another attempt would get the same answer.</summary>
    Rejected,
}

/// <summary>
/// POSTs an alert (contract JSON) to one webhook, signed with HMAC-SHA256 of the webhook's secret over the send time and
/// the body: <c>X-VA-Timestamp: &lt;unix seconds&gt;</c> and <c>X-VA-Signature: sha256=&lt;hex of HMAC(secret, timestamp + "." + body)&gt;</c>.
/// A receiver recomputes the signature and refuses a timestamp more than a few minutes from its clock, so a captured
/// call cannot be replayed later (README, Security). One attempt per call: <see cref="AlertOutbox"/> owns retries and
/// backoff; each attempt is signed with its own time.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory httpFactory, IOptions<AlertOptions> options, TimeProvider time)
{
    public const string HttpClientName = "va-webhooks";
    public const string SignatureHeader = "X-VA-Signature";
    public const string TimestampHeader = "X-VA-Timestamp";

    public static string Sign(long unixSeconds, ReadOnlySpan<byte> body, string secret)
    {
        var stamp = Encoding.ASCII.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(stamp);
        hmac.AppendData(body);
        return "sha256=" + Convert.ToHexStringLower(hmac.GetHashAndReset());
    }

    public async Task<(WebhookOutcome Outcome, string Detail)> SendAsync(WebhookOptions hook, Alert alert, CancellationToken ct)
    {
        var body = ContractJson.Serialize(alert);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Value.WebhookTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var now = time.GetUtcNow().ToUnixTimeSeconds();
            request.Headers.Add(TimestampHeader, now.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(SignatureHeader, Sign(now, body, hook.Secret));
            request.Headers.Add("X-VA-Alert-Id", alert.AlertId);
            using var response = await httpFactory.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) return (WebhookOutcome.Delivered, $"HTTP {code}");
            return (code is 408 or 429 || code >= 500 ? WebhookOutcome.Retry : WebhookOutcome.Rejected, $"HTTP {code}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (WebhookOutcome.Retry, "timed out");
        }
        catch (HttpRequestException e)
        {
            return (WebhookOutcome.Retry, e.Message);
        }
    }
}
