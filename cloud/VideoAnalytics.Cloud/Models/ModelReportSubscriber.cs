using System.Buffers;
using MQTTnet;
using MQTTnet.Formatter;
using Microsoft.Extensions.Options;
using VideoAnalytics.Cloud.Messaging;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;

namespace VideoAnalytics.Cloud.Models;

/// <summary>
/// Subscribes to every device's <c>models/reported</c> (shared subscription, so silos split the load), validates it
/// and passes it to <see cref="ModelReportRecorder"/>. Owns its reconnect loop (MQTTnet 5 has no managed client).
/// Off (<c>Cloud:Models:SubscribeReports=false</c>) when Ingest forwards the reports instead.
/// </summary>
public sealed class ModelReportSubscriber(IOptions<CloudMqttOptions> options, ModelReportRecorder recorder, ILogger<ModelReportSubscriber> logger)
    : BackgroundService
{
    /// <summary>Every device's reports, shared by this deployment's silos (its own group beside ingest's).</summary>
    public static string FilterFor(CloudMqttOptions o) => $"$share/{o.ShareGroup}-models/{MqttTopics.Root}/+/+/+/models/reported";

    private long _rejected;

    public long Rejected => Interlocked.Read(ref _rejected);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e => HandleAsync(e, stoppingToken);
        var connect = o.ClientOptions($"reports-{Guid.NewGuid():N}").WithCleanStart();
        var filter = FilterFor(o);
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    await client.ConnectAsync(connect.Build(), stoppingToken);
                    await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS()).Build(), stoppingToken);
                    logger.LogInformation("Subscribed to {Filter}", filter);
                    delay = TimeSpan.FromSeconds(1);
                }
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException)
            {
                logger.LogWarning("models/reported subscription lost ({Error}); retrying in {Delay}", e.Message, delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            }
        }
        if (client.IsConnected) await client.DisconnectAsync(cancellationToken: CancellationToken.None);
    }

    private async Task HandleAsync(MqttApplicationMessageReceivedEventArgs e, CancellationToken ct)
    {
        var topic = e.ApplicationMessage.Topic;
        var payload = e.ApplicationMessage.Payload.ToArray();
        if (payload.Length == 0) return; // a retained report being cleared (device removed), not a report
        if (!MqttTopics.TryParse(topic, out var parsed, out var error) || parsed.Kind != TopicKind.ModelsReported)
        {
            Reject(topic, error.Length > 0 ? error : "not a models/reported topic");
            return;
        }
        if (!ContractJson.TryRead<ReportedModelState>(payload, DateTimeOffset.UtcNow, out var report, out error))
        {
            Reject(topic, error);
            return;
        }
        if (report.Branch != parsed.Branch || report.Site != parsed.Site || report.Device != parsed.Device)
        {
            Reject(topic, "ids in the payload differ from the topic");
            return;
        }
        try
        {
            await recorder.RecordAsync(report, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The report stays retained on the broker; the device's next report (or a restart) brings it back.
            logger.LogError(ex, "Could not record models/reported of {Topic}", topic);
        }
    }

    private void Reject(string topic, string reason)
    {
        Interlocked.Increment(ref _rejected);
        logger.LogWarning("Rejected models/reported on {Topic}: {Reason}", topic, reason);
    }
}
