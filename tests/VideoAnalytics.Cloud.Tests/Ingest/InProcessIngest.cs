using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Npgsql;
using VideoAnalytics.Cloud.Ingest;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests.Ingest;

/// <summary>
/// The production ingest (AddIngest) in this process, on the test broker and a database of its own, in a share
/// group of its own (so parallel tests never take each other's messages), with a dispatcher that records calls.
/// Also a raw MQTT client to publish as devices would.
/// </summary>
public sealed class InProcessIngest : IAsyncDisposable
{
    private InProcessIngest(IHost host, TestDatabase database, IMqttClient publisher, string storeRoot)
    {
        Host = host;
        Database = database;
        Publisher = publisher;
        StoreRoot = storeRoot;
    }

    public IHost Host { get; }
    public TestDatabase Database { get; }
    public IMqttClient Publisher { get; }
    public string StoreRoot { get; }
    public RecordingDispatcher Dispatcher => (RecordingDispatcher)Host.Services.GetRequiredService<IClipDispatcher>();
    public IngestCounters Counters => Host.Services.GetRequiredService<IngestCounters>();
    public NpgsqlDataSource DataSource => Host.Services.GetRequiredService<NpgsqlDataSource>();
    public IClipStore Store => Host.Services.GetRequiredService<IClipStore>();

    public static async Task<InProcessIngest> StartAsync(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var database = await TestDatabase.CreateAsync();
        var storeRoot = TestEnvironment.NewTempDir("va-clipstore");
        var group = $"g{Guid.NewGuid():N}"[..16];
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = database.ConnectionString,
            ["Cloud:Mqtt:Host"] = TestEnvironment.MqttHost,
            ["Cloud:Mqtt:Port"] = TestEnvironment.MqttPort.ToString(CultureInfo.InvariantCulture),
            ["Cloud:Mqtt:UseTls"] = "false",
            ["Cloud:Mqtt:ClientId"] = $"va-cloud-{group}",
            ["Cloud:Mqtt:ShareGroup"] = group,
            ["Cloud:Ingest:PollIntervalMilliseconds"] = "100",
            ["Cloud:Ingest:RejectionLogIntervalSeconds"] = "1",
            ["Cloud:ClipStore:Root"] = storeRoot,
        };
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>()) settings[k] = v;
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<IClipDispatcher, RecordingDispatcher>();
        builder.Services.AddIngest(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();

        var publisher = new MqttClientFactory().CreateMqttClient();
        await publisher.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(TestEnvironment.MqttHost, TestEnvironment.MqttPort)
            .WithProtocolVersion(MqttProtocolVersion.V500).Build());
        var ingest = new InProcessIngest(host, database, publisher, storeRoot);
        await ingest.WaitUntilSubscribedAsync();
        return ingest;
    }

    /// <summary>Publishes QoS 1 and returns the broker's answer.</summary>
    public Task<MqttClientPublishResult> PublishAsync(string topic, byte[] payload, IEnumerable<KeyValuePair<string, string>>? properties = null)
    {
        var builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        foreach (var (k, v) in properties ?? []) builder.WithUserProperty(k, System.Text.Encoding.UTF8.GetBytes(v).AsMemory());
        return Publisher.PublishAsync(builder.Build());
    }

    public Task<MqttClientPublishResult> PublishJsonAsync<T>(string topic, T message) where T : class => PublishAsync(topic, ContractJson.Serialize(message));

    public async Task<long> ScalarAsync(string sql)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public static async Task<bool> WaitAsync(Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return true;
            await Task.Delay(100);
        }
        return await condition();
    }

    /// <summary>
    /// Our subscription exists once a probe status reaches our own dispatcher (the broker's "success" alone may come
    /// from another test's ingest).
    /// </summary>
    private async Task WaitUntilSubscribedAsync()
    {
        var ok = await WaitAsync(async () =>
        {
            await PublishJsonAsync("va/v1/probe/probe/probe/status", new DeviceStatus
            {
                Branch = "probe", Site = "probe", Device = "probe", TimeUtc = DateTimeOffset.UtcNow, State = DeviceState.Online,
            });
            await Task.Delay(200);
            return !Dispatcher.Statuses.IsEmpty;
        });
        if (!ok) throw new TimeoutException("ingest did not subscribe");
    }

    /// <summary>A camera of a branch no other test uses: tests share the broker, and every ingest sees every message.</summary>
    public static CameraId UniqueCamera(string device = "d1") => new DeviceId($"t{Guid.NewGuid():N}"[..12], "s1", device).Camera("cam1");

    public async ValueTask DisposeAsync()
    {
        Publisher.Dispose();
        await Host.StopAsync();
        Host.Dispose();
        await Database.DisposeAsync();
        Directory.Delete(StoreRoot, recursive: true);
    }
}

/// <summary>Records what ingest dispatched, and how often.</summary>
public sealed class RecordingDispatcher : IClipDispatcher
{
    public ConcurrentDictionary<string, int> Clips { get; } = new();
    public ConcurrentDictionary<string, int> Events { get; } = new();
    public ConcurrentQueue<DeviceStatus> Statuses { get; } = new();

    public Task DispatchClipAsync(ClipManifest manifest, CancellationToken ct)
    {
        Clips.AddOrUpdate(manifest.ClipId, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public Task DispatchGateEventAsync(GateEvent gateEvent, CancellationToken ct)
    {
        Events.AddOrUpdate(gateEvent.EventId, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public Task DispatchStatusAsync(DeviceStatus status, CancellationToken ct)
    {
        Statuses.Enqueue(status);
        return Task.CompletedTask;
    }
}
