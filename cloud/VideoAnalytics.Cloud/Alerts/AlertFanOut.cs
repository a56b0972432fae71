using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Alerts;

/// <summary>
/// Sends each committed alert change, once per cluster (from the silo that made it), to the log, the site's MQTT alert
/// topic and the webhooks. The live feed needs nothing here: it hears the database's NOTIFY on every silo.
/// </summary>
public sealed class AlertFanOut(AlertMqttPublisher mqtt, WebhookSender webhooks, ILogger<AlertFanOut> logger) : BackgroundService
{
    private readonly Channel<(Alert Alert, string Change)> queue = Channel.CreateBounded<(Alert, string)>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private long dropped;

    public long Dropped => Interlocked.Read(ref dropped);

    public void Enqueue(Alert alert, string change)
    {
        if (!queue.Writer.TryWrite((alert, change)))
        {
            Interlocked.Increment(ref dropped);
            logger.LogWarning("Alert fan-out queue is closed; alert {AlertId} was not sent to MQTT or webhooks", alert.AlertId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (alert, change) in queue.Reader.ReadAllAsync(stoppingToken))
        {
            using var scope = logger.BeginScope(new Dictionary<string, object>
            {
                ["AlertId"] = alert.AlertId, ["Branch"] = alert.Branch, ["Site"] = alert.Site, ["Device"] = alert.Device, ["Camera"] = alert.Camera,
            });
            logger.LogInformation("ALERT {Change} {AlertId} [{Severity}/{State}{Unverified}] {Branch}/{Site}/{Camera}: {Summary}",
                change, alert.AlertId, AlertText.Of(alert.Severity), AlertText.Of(alert.State), alert.Verified ? "" : ", unverified",
                alert.Branch, alert.Site, alert.Camera, alert.Summary);
            mqtt.Enqueue(alert);
            webhooks.Enqueue(alert);
        }
    }
}
