using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Edge.Models;
using VideoAnalytics.Edge.Uplink;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Models;

/// <summary>An edge agent reduced to what models need: the real uplink (MQTT, spool) and the real model manager.</summary>
public sealed class EdgeDevice : IAsyncDisposable
{
    private readonly IHost _host;

    private readonly DeviceId _id;

    private EdgeDevice(IHost host, string directory, DeviceId id)
    {
        _host = host;
        Directory = directory;
        _id = id;
    }

    public string Directory { get; }
    public ModelManager Manager => _host.Services.GetRequiredService<ModelManager>();

    public static async Task<EdgeDevice> StartAsync(string deviceId, string trustedKeyPath, string? directory = null)
    {
        directory ??= TestEnvironment.NewTempDir("va-edge");
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Edge:Mqtt:Host"] = TestEnvironment.MqttHost,
            ["Edge:Mqtt:Port"] = TestEnvironment.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Edge:Mqtt:UseTls"] = "false",
            ["Edge:Mqtt:Username"] = deviceId,
            ["Edge:Mqtt:DeviceId"] = deviceId,
            ["Edge:Mqtt:ClientId"] = "va-edge-test-" + Guid.NewGuid().ToString("N")[..12],
            ["Edge:Spool:Directory"] = Path.Combine(directory, "spool"),
            ["Edge:Models:Directory"] = Path.Combine(directory, "models"),
            [$"Edge:Models:TrustedKeys:{ModelCloud.KeyId}"] = trustedKeyPath,
            ["Onnx:IntraOpThreads"] = "1",
        });
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Information);
        // VA_TEST_LOGS=1 shows what the hosts log (dotnet test --logger "console;verbosity=detailed").
        if (Environment.GetEnvironmentVariable("VA_TEST_LOGS") == "1") builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.AddUplink(builder.Configuration);
        builder.Services.AddModelManager(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return new EdgeDevice(host, directory, DeviceId.TryParse(deviceId, out var id) ? id : throw new ArgumentException(deviceId));
    }

    /// <summary>Waits until the device reports <paramref name="state"/> with <paramref name="model"/> (name@version) running.</summary>
    public async Task<ReportedModelState> WaitForAsync(ModelApplyState state, string? model, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var r = Manager.LastReport;
            if (r is not null && r.State == state && (model is null || r.Models.Any(m => $"{m.Name}@{m.Version}" == model))) return r;
            try
            {
                await Task.Delay(50, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"device did not report {state} {model} within {timeout}; last report: {r?.State} [{string.Join(", ", r?.Models.Select(m => $"{m.Name}@{m.Version}") ?? [])}] {r?.LastError}");
            }
        }
    }

    public async ValueTask DisposeAsync() => await DisposeAsync(keepDirectory: false);

    public async ValueTask DisposeAsync(bool keepDirectory)
    {
        await _host.StopAsync();
        _host.Dispose();
        if (!keepDirectory)
        {
            System.IO.Directory.Delete(Directory, recursive: true);
            await ClearRetainedAsync();
        }
    }

    /// <summary>Removes this device's retained model topics so later tests on the same broker do not see them.</summary>
    private async Task ClearRetainedAsync()
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(TestEnvironment.MqttHost, TestEnvironment.MqttPort).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
        foreach (var topic in new[] { MqttTopics.ModelsDesired(_id), MqttTopics.ModelsReported(_id), MqttTopics.Status(_id) })
            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithRetainFlag().WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await client.DisconnectAsync();
    }
}
