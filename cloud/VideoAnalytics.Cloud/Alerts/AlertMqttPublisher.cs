using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using VideoAnalytics.Cloud.Ingest;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Contracts.Transport;

namespace VideoAnalytics.Cloud.Alerts;

/// <summary>
/// Publishes alerts on their site's MQTT alert topic (QoS 1) for site consoles. Owns its connection: connects, and
/// after a loss reconnects with backoff; alerts wait in a bounded queue meanwhile and are published in order.
/// </summary>
public sealed class AlertMqttPublisher(
    IOptions<CloudMqttOptions> mqttOptions, IOptions<AlertOptions> alertOptions, ILogger<AlertMqttPublisher> logger) : BackgroundService
{
    private readonly Channel<Alert> queue = Channel.CreateBounded<Alert>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private long published;

    public long Published => Interlocked.Read(ref published);

    private bool Enabled => alertOptions.Value.PublishMqtt && !string.IsNullOrWhiteSpace(mqttOptions.Value.Host);

    public void Enqueue(Alert alert)
    {
        if (Enabled) queue.Writer.TryWrite(alert);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            logger.LogInformation("Alerts are not published to MQTT (Cloud:Mqtt:Host is empty or Cloud:Alerts:PublishMqtt is false)");
            return;
        }
        var o = mqttOptions.Value;
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = o.ClientOptions("alerts").WithCleanStart(true).Build();

        var delay = TimeSpan.FromMilliseconds(500);
        Alert? pending = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    await client.ConnectAsync(options, stoppingToken);
                    logger.LogInformation("Alert publisher connected to MQTT {Host}:{Port}", o.Host, o.Port);
                    delay = TimeSpan.FromMilliseconds(500);
                }
                pending ??= await queue.Reader.ReadAsync(stoppingToken);
                var message = new MqttApplicationMessageBuilder()
                    .WithTopic(MqttTopics.SiteAlerts(new SiteId(pending.Branch, pending.Site)))
                    .WithPayload(ContractJson.Serialize(pending))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .WithContentType("application/json")
                    .Build();
                var result = await client.PublishAsync(message, stoppingToken);
                if (!result.IsSuccess)
                {
                    logger.LogWarning("MQTT broker refused alert {AlertId}: {Reason}", pending.AlertId, result.ReasonString ?? result.ReasonCode.ToString());
                }
                else
                {
                    Interlocked.Increment(ref published);
                }
                pending = null;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException or IOException)
            {
                logger.LogWarning("Alert publisher lost MQTT {Host}:{Port} ({Error}); retrying in {Delay}", o.Host, o.Port, e.Message, delay);
                await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }
}
