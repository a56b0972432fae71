using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using OpenCvSharp;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Cloud.Grains;
using VideoAnalytics.Cloud.Hosting;
using VideoAnalytics.Cloud.Hosting.Security;
using VideoAnalytics.Cloud.Ingest;
using VideoAnalytics.Cloud.Judging;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Edge.Clips;
using VideoAnalytics.Edge.Uplink;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Benchmarks;

/// <summary>
/// <c>alerts [--clips N]</c>: real clips (edge clip builder, fight videos) go through the real broker into a silo host
/// (ingest, grains, embedded judge, alerts); a console client reads the live alert stream (server-sent events).
/// Measures last chunk acknowledged by the broker → alert visible to that client, with the judge's own time taken
/// out (and reported separately). Needs <c>deploy/local/with-services.sh</c>.
/// </summary>
internal sealed class AlertsBenchmark : IBenchmark
{
    private static readonly TimeSpan PerClipTimeout = TimeSpan.FromSeconds(60);

    /// <summary>First clips warm up JIT, connections and grain activations; they are sent but not measured.</summary>
    private const int WarmUpClips = 2;
    private const string AdminToken = "alerts-bench-admin-token";

    public string Name => "alerts";

    public string Usage => "[--clips 30]  clips through broker + silo; last chunk acked -> alert on the live feed (judge time excluded)";

    public async Task<int> RunAsync(BenchmarkArgs args, CancellationToken ct)
    {
        var clipCount = args.GetInt("clips", 30);
        if (clipCount < 1) throw new ArgumentException("--clips must be at least 1");
        var clipRoot = TestEnvironment.NewTempDir("va-bench-clips");
        await using var silo = await StartSiloAsync(clipRoot);
        var baseAddress = silo.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var grains = silo.Services.GetRequiredService<IGrainFactory>();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        var console = await ConsoleClient.ConnectAsync(new Uri(baseAddress), (alert, at) =>
        {
            foreach (var clip in alert.ClipIds) seen.TryAdd(clip, at);
        }, stop.Token);

        using var mqtt = new MqttClientFactory().CreateMqttClient();
        await mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(TestEnvironment.MqttHost, TestEnvironment.MqttPort)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithClientId("va-bench-edge").Build(), stop.Token);

        var videos = File.ReadAllLines(TestEnvironment.FightLabelsCsv).Skip(1).Select(l => l.Split(','))
            .Where(p => p.Length > 1 && p[1] == "fight").Select(p => TestEnvironment.Videos(p[0])).ToList();
        var builder = new ClipBuilder(keyframeFps: 4, withVideo: false, ffmpegTimeout: TimeSpan.FromSeconds(30));
        var latencies = new List<double>();
        var judgeTimes = new List<double>();
        var verdicts = new Dictionary<string, int>();
        for (var i = 0; i < clipCount + WarmUpClips; i++)
        {
            var measured = i >= WarmUpClips;
            var camera = new CameraId(new DeviceId("bench", "site-1", "dev-1"), $"cam-{i % 4}");
            var (manifest, blob) = await BuildClipAsync(builder, videos[i % videos.Count], camera, stop.Token);
            var messages = UplinkMessages.ForClip(MqttTopics.Clip(camera, manifest.ClipId), ContractJson.Serialize(manifest), blob);
            foreach (var m in messages) await mqtt.PublishAsync(m, stop.Token); // QoS 1: returns on the broker's PUBACK
            var acked = Stopwatch.GetTimestamp();

            var clip = grains.GetGrain<IClipGrain>(IClipGrain.KeyOf(manifest.ClipId));
            var deadline = DateTime.UtcNow + PerClipTimeout;
            ClipView view;
            while (true)
            {
                view = await clip.GetAsync();
                var judged = view.Status == "judged";
                if (judged && (view.Judgment!.Verdict == Verdict.NoFight || seen.ContainsKey(manifest.ClipId))) break;
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"clip {manifest.ClipId} produced no outcome within {PerClipTimeout}");
                await Task.Delay(5, stop.Token);
            }
            if (!measured) continue;
            var judgment = view.Judgment!;
            var verdict = judgment.Verdict.ToString();
            verdicts[verdict] = verdicts.GetValueOrDefault(verdict) + 1;
            judgeTimes.Add(judgment.DurationMs);
            if (seen.TryGetValue(manifest.ClipId, out var at))
                latencies.Add(Stopwatch.GetElapsedTime(acked, at).TotalMilliseconds - judgment.DurationMs);
        }
        await stop.CancelAsync();
        await console.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await silo.StopAsync(CancellationToken.None);

        Console.WriteLine($"verdicts: {string.Join(", ", verdicts.Select(v => $"{v.Key}={v.Value}"))}; alerts measured: {latencies.Count} of {clipCount} clips (no_fight raises none; {WarmUpClips} warm-up clips not counted)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"alert_latency_p50_ms={Percentile(latencies, 0.5):0.0} alert_latency_p95_ms={Percentile(latencies, 0.95):0.0} judge_p50_ms={Percentile(judgeTimes, 0.5):0.0} clips={clipCount}"));
        return 0;
    }

    private static async Task<WebApplication> StartSiloAsync(string clipRoot)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cloud:Postgres:ConnectionString"] = TestEnvironment.PostgresConnectionString,
            ["Cloud:Cluster:SiloPort"] = "0",
            ["Cloud:Cluster:GatewayPort"] = "0",
            ["Cloud:Cluster:AdvertisedIPAddress"] = "127.0.0.1",
            ["Cloud:Mqtt:Host"] = TestEnvironment.MqttHost,
            ["Cloud:Mqtt:Port"] = TestEnvironment.MqttPort.ToString(CultureInfo.InvariantCulture),
            ["Cloud:Mqtt:UseTls"] = "false",
            ["Cloud:Mqtt:ClientId"] = "va-bench-silo",
            ["Cloud:Admin:ApiToken"] = AdminToken,
            ["Cloud:ClipStore:Root"] = clipRoot,
            ["Cloud:Logging:MinimumLevel"] = "Warning",
        });
        builder.AddCloud();
        builder.Services.AddIngest(builder.Configuration);
        builder.Services.AddJudging(builder.Configuration);
        builder.Services.AddAlerts(builder.Configuration);
        var app = builder.Build();
        await app.Services.MigrateSchemaAsync();
        app.UseHttpLimits();
        app.MapCloudApi();
        await app.StartAsync();
        return app;
    }

    private static async Task<(ClipManifest, byte[])> BuildClipAsync(ClipBuilder builder, string video, CameraId camera, CancellationToken ct)
    {
        using var pool = new ClipFramePool();
        var frames = new List<ClipFrame>();
        using (var capture = new VideoCapture(video))
        {
            var fps = capture.Fps > 0 ? capture.Fps : 20;
            var start = DateTimeOffset.UtcNow.AddSeconds(-3);
            for (var n = 0; ; n++)
            {
                var frame = pool.Rent();
                if (!capture.Read(frame.Image) || frame.Image.Empty()) break;
                frame.Position = TimeSpan.FromSeconds(n / fps);
                frame.CapturedUtc = start + frame.Position;
                frames.Add(frame);
            }
        }
        var request = new ClipRequest(ClipIds.New(DateTimeOffset.UtcNow), camera.Device.Branch, camera.Device.Site, camera.Device.Device,
            camera.Camera, "fight", GateDecision.Uncertain, 0.6, new Dictionary<string, float>());
        return await builder.BuildAsync(request, frames, ct);
    }

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    /// <summary>A console client: reads the silo's live alert stream (server-sent events) and stamps each alert on arrival.</summary>
    private static class ConsoleClient
    {
        public static async Task<Task> ConnectAsync(Uri baseAddress, Action<Alert, long> onAlert, CancellationToken ct)
        {
            var http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
            http.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
            var response = await http.GetAsync("/api/cluster/alerts/live", HttpCompletionOption.ResponseHeadersRead, ct);
            response.EnsureSuccessStatusCode();
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            return Task.Run(async () =>
            {
                using (http)
                using (response)
                using (reader)
                {
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                        var at = Stopwatch.GetTimestamp();
                        if (ContractJson.TryRead<Alert>(System.Text.Encoding.UTF8.GetBytes(line[6..]), DateTimeOffset.UtcNow, out var alert, out _))
                            onAlert(alert, at);
                    }
                }
            }, ct);
        }
    }
}
