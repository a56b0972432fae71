using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Microsoft.Extensions.Options;
using VideoAnalytics.Cloud.Messaging;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;

namespace VideoAnalytics.Cloud.Models.Rollout;

/// <summary>Publishes a device's desired model set, retained, so an edge that connects later still receives it.</summary>
public interface IDesiredStatePublisher
{
    Task PublishAsync(DesiredModelState desired, CancellationToken ct);
}

/// <summary>Publishes on its own MQTT 5 connection, connecting (again) on demand.</summary>
public sealed class MqttDesiredStatePublisher(IOptions<CloudMqttOptions> options, ILogger<MqttDesiredStatePublisher> logger)
    : IDesiredStatePublisher, IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly SemaphoreSlim _connectLock = new(1, 1);

    public async Task PublishAsync(DesiredModelState desired, CancellationToken ct)
    {
        await EnsureConnectedAsync(ct);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(MqttTopics.ModelsDesired(new DeviceId(desired.Branch, desired.Site, desired.Device)))
            .WithPayload(ContractJson.Serialize(desired))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag()
            .Build();
        var result = await _client.PublishAsync(message, ct);
        if (!result.IsSuccess) throw new InvalidOperationException($"broker refused models/desired for {desired.Branch}/{desired.Site}/{desired.Device}: {result.ReasonCode}");
    }

    private async Task EnsureConnectedAsync(CancellationToken ct)
    {
        if (_client.IsConnected) return;
        await _connectLock.WaitAsync(ct);
        try
        {
            if (_client.IsConnected) return;
            var o = options.Value;
            var builder = o.ClientOptions($"models-{Guid.NewGuid():N}").WithCleanStart();
                        await _client.ConnectAsync(builder.Build(), ct);
            logger.LogInformation("Model publisher connected to {Host}:{Port}", o.Host, o.Port);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected) await _client.DisconnectAsync();
        _client.Dispose();
        _connectLock.Dispose();
    }
}
