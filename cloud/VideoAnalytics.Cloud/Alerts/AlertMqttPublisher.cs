using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using VideoAnalytics.Cloud.Messaging;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Contracts.Transport;

namespace VideoAnalytics.Cloud.Alerts;

/// <summary>
/// Publishes alerts on their site's MQTT alert topic (QoS 1) for site consoles. Connects when it first has something
/// to send and again after a loss; a failed publish is reported to <see cref="AlertOutbox"/>, which retries it later.
/// </summary>
public sealed class AlertMqttPublisher(
    IOptions<CloudMqttOptions> mqttOptions, IOptions<AlertOptions> alertOptions, ILogger<AlertMqttPublisher> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IMqttClient? _client;

    public bool Enabled => alertOptions.Value.PublishMqtt && !string.IsNullOrWhiteSpace(mqttOptions.Value.Host);

    /// <summary>Null once the broker acknowledged the alert, otherwise why it was not.</summary>
    public async Task<string?> PublishAsync(Alert alert, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var o = mqttOptions.Value;
            _client ??= new MqttClientFactory().CreateMqttClient();
            if (!_client.IsConnected)
            {
                await _client.ConnectAsync(o.ClientOptions("alerts").WithCleanStart(true).Build(), ct);
                logger.LogInformation("Alert publisher connected to MQTT {Host}:{Port}", o.Host, o.Port);
            }
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(MqttTopics.SiteAlerts(new SiteId(alert.Branch, alert.Site)))
                .WithPayload(ContractJson.Serialize(alert))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithContentType("application/json")
                .Build();
            var result = await _client.PublishAsync(message, ct);
            return result.IsSuccess ? null : $"broker refused it: {result.ReasonString ?? result.ReasonCode.ToString()}";
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or IOException
                                      || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return $"MQTT {mqttOptions.Value.Host}:{mqttOptions.Value.Port}: {e.Message}";
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is { IsConnected: true }) await _client.DisconnectAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _client?.Dispose();
        _gate.Dispose();
    }
}
