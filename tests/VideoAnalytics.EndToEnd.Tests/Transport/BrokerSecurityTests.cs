using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Topics;

namespace VideoAnalytics.EndToEnd.Tests.Transport;

/// <summary>
/// The production broker config (deploy/mosquitto) on a real Mosquitto: TLS only, no anonymous access, passwords,
/// and an ACL that keeps each device inside its own prefix.
/// </summary>
public sealed class BrokerSecurityTests : IAsyncLifetime
{
    private static readonly DeviceId DeviceA = new("b1", "s1", "dev-a");
    private static readonly DeviceId DeviceB = new("b1", "s1", "dev-b");
    private SecureBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await SecureBroker.StartAsync(DeviceA.ToString(), DeviceB.ToString());

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task DeviceCannotPublishUnderAnotherDevicesPrefix()
    {
        var received = new ConcurrentQueue<string>();
        using var cloud = await _broker.ConnectAsync(SecureBroker.CloudUser);
        cloud.ApplicationMessageReceivedAsync += e => { received.Enqueue(e.ApplicationMessage.Topic); return Task.CompletedTask; };
        await cloud.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("$share/va-cloud/va/v1/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        using var a = await _broker.ConnectAsync(DeviceA.ToString());
        var forged = await a.PublishAsync(Message(MqttTopics.Status(DeviceB)));
        var own = await a.PublishAsync(Message(MqttTopics.Status(DeviceA)));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forged.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, own.ReasonCode);
        // The own message arrives; the forged one, published before it, never does.
        Assert.True(await WaitAsync(() => received.Contains(MqttTopics.Status(DeviceA))));
        Assert.DoesNotContain(MqttTopics.Status(DeviceB), received);
    }

    [Fact]
    public async Task AnonymousClientsAreRefused()
    {
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await RefusalAsync(null, null));
    }

    [Fact]
    public async Task WrongPasswordIsRefused()
    {
        Assert.Contains(await RefusalAsync(DeviceA.ToString(), "not-the-password"),
            new[] { MqttClientConnectResultCode.NotAuthorized, MqttClientConnectResultCode.BadUserNameOrPassword });
    }

    [Fact]
    public async Task PlainTcpWithoutTlsIsRefused()
    {
        var options = new MqttClientOptionsBuilder().WithTcpServer(_broker.Host, _broker.Port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCredentials(DeviceA.ToString(), _broker.PasswordOf(DeviceA.ToString())).WithTimeout(TimeSpan.FromSeconds(5)).Build();
        using var client = new MqttClientFactory().CreateMqttClient();
        await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(options));
    }

    [Fact]
    public async Task DeviceCannotReadAnotherDevicesDesiredModels()
    {
        using (var cloud = await _broker.ConnectAsync(SecureBroker.CloudUser))
        {
            await cloud.PublishAsync(Message(MqttTopics.ModelsDesired(DeviceA), retain: true));
            await cloud.PublishAsync(Message(MqttTopics.ModelsDesired(DeviceB), retain: true));
        }
        var received = new ConcurrentQueue<string>();
        using var a = await _broker.ConnectAsync(DeviceA.ToString());
        a.ApplicationMessageReceivedAsync += e => { received.Enqueue(e.ApplicationMessage.Topic); return Task.CompletedTask; };
        var other = await a.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(MqttTopics.ModelsDesired(DeviceB), MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var own = await a.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(MqttTopics.ModelsDesired(DeviceA), MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.True(await WaitAsync(() => received.Contains(MqttTopics.ModelsDesired(DeviceA))));
        Assert.DoesNotContain(MqttTopics.ModelsDesired(DeviceB), received);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, own.Items.Single().ResultCode);
        // Mosquitto grants the subscription but checks read access on every delivery, retained ones included.
        Assert.NotNull(other);
    }

    [Fact]
    public async Task DeviceCannotPublishItsOwnDesiredModelsButEverythingItSends()
    {
        var desired = Encoding.UTF8.GetBytes("""{"from":"the cloud"}""");
        using (var cloud = await _broker.ConnectAsync(SecureBroker.CloudUser))
        {
            await cloud.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(MqttTopics.ModelsDesired(DeviceA)).WithPayload(desired)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag().Build());
        }
        using var a = await _broker.ConnectAsync(DeviceA.ToString());
        var camera = DeviceA.Camera("cam1");

        var own = await a.PublishAsync(Message(MqttTopics.ModelsDesired(DeviceA), retain: true));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, own.ReasonCode);
        string[] sent = [MqttTopics.Status(DeviceA), MqttTopics.Tracks(camera), MqttTopics.Events(camera), MqttTopics.Clip(camera, "20260101-000000-000-0a1b2c3d4e"),
            MqttTopics.ModelsReported(DeviceA)];
        foreach (var topic in sent)
        {
            var accepted = (await a.PublishAsync(Message(topic))).ReasonCode;
            Assert.True(accepted is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers, $"{topic}: {accepted}");
        }
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await a.PublishAsync(Message($"{MqttTopics.DevicePrefix(DeviceA)}/anything"))).ReasonCode);

        // What a device reads on models/desired is still what the cloud published.
        var received = new ConcurrentQueue<string>();
        using var reader = await _broker.ConnectAsync(DeviceA.ToString());
        reader.ApplicationMessageReceivedAsync += e => { received.Enqueue(Encoding.UTF8.GetString(e.ApplicationMessage.Payload)); return Task.CompletedTask; };
        await reader.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(MqttTopics.ModelsDesired(DeviceA), MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.True(await WaitAsync(() => !received.IsEmpty));
        Assert.Equal("""{"from":"the cloud"}""", Assert.Single(received));
    }

    /// <summary>How the broker answers a connect with these credentials.</summary>
    private async Task<MqttClientConnectResultCode> RefusalAsync(string? user, string? password)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(_broker.ClientOptions(user, password));
        return result.ResultCode;
    }

    private static MqttApplicationMessage Message(string topic, bool retain = false) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes("{}"))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retain).Build();

    private static async Task<bool> WaitAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(50);
        return condition();
    }
}
