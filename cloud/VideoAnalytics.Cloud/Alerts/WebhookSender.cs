using System.Net.Http.Headers;
using System.Security.Cryptography;
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
/// POSTs an alert (contract JSON) to one webhook, signed with HMAC-SHA256 of the webhook's secret: header
/// <c>X-VA-Signature: sha256=&lt;hex&gt;</c>. One attempt per call: <see cref="AlertOutbox"/> owns retries and backoff.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory httpFactory, IOptions<AlertOptions> options)
{
    public const string HttpClientName = "va-webhooks";
    public const string SignatureHeader = "X-VA-Signature";

    public static string Sign(ReadOnlySpan<byte> body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), body));

    public async Task<(WebhookOutcome Outcome, string Detail)> SendAsync(WebhookOptions hook, Alert alert, CancellationToken ct)
    {
        var body = ContractJson.Serialize(alert);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Value.WebhookTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add(SignatureHeader, Sign(body, hook.Secret));
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
