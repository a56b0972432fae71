using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;

namespace VideoAnalytics.Cloud.Alerts;

/// <summary>
/// POSTs each alert (contract JSON) to the configured webhooks. The body is signed with HMAC-SHA256 of the webhook's
/// secret: header <c>X-VA-Signature: sha256=&lt;hex&gt;</c>. Failed deliveries (network, timeout, 429, 5xx) are retried with
/// exponential backoff; each webhook has its own queue so a slow receiver does not hold up the others.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory httpFactory, IOptions<AlertOptions> options, ILogger<WebhookSender> logger)
    : BackgroundService
{
    public const string HttpClientName = "va-webhooks";
    public const string SignatureHeader = "X-VA-Signature";

    private readonly List<(WebhookOptions Hook, Channel<Alert> Queue)> hooks = options.Value.Webhooks
        .Select(h => (h, Channel.CreateBounded<Alert>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest })))
        .ToList();

    private long delivered, failed;

    public long Delivered => Interlocked.Read(ref delivered);

    public long Failed => Interlocked.Read(ref failed);

    public static string Sign(ReadOnlySpan<byte> body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), body));

    public void Enqueue(Alert alert)
    {
        foreach (var (_, queue) in hooks) queue.Writer.TryWrite(alert);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(hooks.Select(h => DeliverLoopAsync(h.Hook, h.Queue, stoppingToken)));

    private async Task DeliverLoopAsync(WebhookOptions hook, Channel<Alert> queue, CancellationToken ct)
    {
        try
        {
            await foreach (var alert in queue.Reader.ReadAllAsync(ct)) await DeliverAsync(hook, alert, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(WebhookOptions hook, Alert alert, CancellationToken ct)
    {
        var o = options.Value;
        var body = ContractJson.Serialize(alert);
        var signature = Sign(body, hook.Secret);
        var delay = o.WebhookBackoffInitial;
        for (var attempt = 1; attempt <= o.WebhookMaxAttempts; attempt++)
        {
            string failure;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(o.WebhookTimeout);
                using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Add(SignatureHeader, signature);
                request.Headers.Add("X-VA-Alert-Id", alert.AlertId);
                using var response = await httpFactory.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref delivered);
                    return;
                }
                var code = (int)response.StatusCode;
                if (code is not (408 or 429) && code < 500)
                {
                    Interlocked.Increment(ref failed);
                    logger.LogWarning("Webhook {Url} rejected alert {AlertId} with {Status}; not retried", hook.Url, alert.AlertId, code);
                    return;
                }
                failure = $"HTTP {code}";
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                failure = "timed out";
            }
            catch (HttpRequestException e)
            {
                failure = e.Message;
            }
            if (attempt == o.WebhookMaxAttempts) break;
            logger.LogInformation("Webhook {Url} failed for alert {AlertId} ({Failure}); attempt {Attempt} of {Max}, next in {Delay}",
                hook.Url, alert.AlertId, failure, attempt, o.WebhookMaxAttempts, delay);
            await Task.Delay(delay, ct);
            delay *= 2;
        }
        Interlocked.Increment(ref failed);
        logger.LogWarning("Webhook {Url} gave up on alert {AlertId} after {Attempts} attempts", hook.Url, alert.AlertId, o.WebhookMaxAttempts);
    }
}
