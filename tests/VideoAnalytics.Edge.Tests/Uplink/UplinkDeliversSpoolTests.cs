using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Edge.Uplink;
using VideoAnalytics.Edge.Spool;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Edge.Tests.Uplink;

/// <summary>The production uplink against the real broker: what the spool holds reaches a subscriber in the contract's wire form.</summary>
public sealed class UplinkDeliversSpoolTests : IAsyncLifetime
{
    // A branch of its own, so parallel tests on the same broker never see each other's messages.
    private readonly DeviceId _device = new($"t{Guid.NewGuid():N}"[..12], "s1", "d1");
    private readonly string _spoolDir = TestEnvironment.NewTempDir("va-uplink");
    private readonly ConcurrentQueue<MqttApplicationMessage> _received = new();
    private readonly DesiredRecorder _desired = new();
    private IMqttClient _cloud = null!;
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        _cloud = new MqttClientFactory().CreateMqttClient();
        _cloud.ApplicationMessageReceivedAsync += e => { _received.Enqueue(e.ApplicationMessage); return Task.CompletedTask; };
        await _cloud.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(TestEnvironment.MqttHost, TestEnvironment.MqttPort)
            .WithProtocolVersion(MqttProtocolVersion.V500).Build());
        await _cloud.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"{MqttTopics.DevicePrefix(_device)}/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await _cloud.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(MqttTopics.ModelsDesired(_device)).WithRetainFlag(true)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithPayload(ContractJson.Serialize(Desired())).Build());

        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Edge:Mqtt:Host"] = TestEnvironment.MqttHost,
            ["Edge:Mqtt:Port"] = TestEnvironment.MqttPort.ToString(CultureInfo.InvariantCulture),
            ["Edge:Mqtt:UseTls"] = "false",
            ["Edge:Mqtt:Username"] = _device.ToString(),
            ["Edge:Mqtt:DeviceId"] = _device.ToString(),
            ["Edge:Spool:Directory"] = _spoolDir,
        });
        builder.Services.AddSingleton<IDesiredModelsHandler>(_desired);
        builder.Services.AddUplink(builder.Configuration);
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        _cloud.Dispose();
        Directory.Delete(_spoolDir, recursive: true);
    }

    [Fact]
    public async Task ClipArrivesAsManifestThenHashedChunksAndLeavesTheSpool()
    {
        var spool = _host.Services.GetRequiredService<ISpool>();
        var camera = _device.Camera("cam1");
        var (manifest, blob) = SampleMessages.Clip(camera, 600 * 1024);
        await spool.EnqueueTrackBatchAsync(SampleMessages.Tracks(camera, 0, 4), CancellationToken.None);
        await spool.EnqueueClipAsync(manifest, blob, CancellationToken.None);

        var clipTopic = MqttTopics.Clip(camera, manifest.ClipId);
        Assert.True(await WaitAsync(() => _received.Count(m => m.Topic == clipTopic) == 4 && spool.Health.Items == 0));

        var clipMessages = _received.Where(m => m.Topic == clipTopic).ToList();
        var headers = clipMessages.Select(m => Header(m)).ToList();
        Assert.True(headers[0].IsManifest);
        Assert.Equal(manifest.Sha256, headers[0].Sha256);
        Assert.Equal(3, headers[0].Count);
        Assert.Equal([0, 1, 2], headers.Skip(1).Select(h => h.Index));
        var joined = new List<byte>();
        foreach (var (message, header) in clipMessages.Skip(1).Zip(headers.Skip(1)))
        {
            var chunk = message.Payload.ToArray();
            Assert.True(chunk.Length <= Limits.MaxChunkBytes);
            Assert.Equal(header.Sha256, Convert.ToHexStringLower(SHA256.HashData(chunk)));
            joined.AddRange(chunk);
        }
        Assert.Equal(blob, joined.ToArray());
        Assert.Contains(_received, m => m.Topic == MqttTopics.Tracks(camera));
    }

    [Fact]
    public async Task DeviceAnnouncesItselfOnlineAndReceivesItsDesiredModels()
    {
        var status = MqttTopics.Status(_device);
        Assert.True(await WaitAsync(() => _received.Any(m => m.Topic == status)));
        Assert.True(ContractJson.TryRead<DeviceStatus>(_received.First(m => m.Topic == status).Payload.ToArray(), DateTimeOffset.UtcNow, out var s, out _));
        Assert.Equal(DeviceState.Online, s.State);
        Assert.NotNull(s.Spool);

        Assert.True(await WaitAsync(() => !_desired.Received.IsEmpty));
        Assert.Equal("r-00000001", _desired.Received.Single().RolloutId);
    }

    private DesiredModelState Desired() => new()
    {
        Branch = _device.Branch,
        Site = _device.Site,
        Device = _device.Device,
        TimeUtc = DateTimeOffset.UtcNow,
        RolloutId = "r-00000001",
        Models = [new DesiredModel("yolox", ModelKind.Detector, "1.0.0", "https://models.example/yolox.tar", new string('a', 64), "sig", "key-1")],
    };

    private static ClipChunkHeader Header(MqttApplicationMessage m)
    {
        Assert.True(ClipChunkHeader.TryParse(m.UserProperties.Select(p => new KeyValuePair<string, string>(p.Name, p.ReadValueAsString())), out var h, out var error), error);
        return h;
    }

    private static async Task<bool> WaitAsync(Func<bool> condition)
    {
        for (var i = 0; i < 300 && !condition(); i++) await Task.Delay(50);
        return condition();
    }

    private sealed class DesiredRecorder : IDesiredModelsHandler
    {
        public ConcurrentQueue<DesiredModelState> Received { get; } = new();

        public Task OnDesiredModelsAsync(DesiredModelState desired, CancellationToken ct)
        {
            Received.Enqueue(desired);
            return Task.CompletedTask;
        }
    }
}
