using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using Npgsql;
using VideoAnalytics.Cloud.Ingest;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Edge.Uplink;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Benchmarks;

/// <summary>
/// <c>ingest</c>: simulated devices publish track batches and clips (the uplink's wire format, QoS 1) through the real
/// broker into the real ingest and Postgres inbox, at an offered load, for <c>--seconds</c> (default 60). Prints
/// throughput, the publish-to-commit delay and what was lost or duplicated. Run it under deploy/local/with-services.sh.
/// Options: --seconds N, --devices N, --records-per-s N, --clip-mb-per-s N, --clip-kib N, --records-per-batch N.
/// </summary>
internal sealed class IngestBenchmarkCommand : IBenchmark
{
    public string Name => "ingest";

    public string Usage => "[--seconds 60] [--devices N] [--records-per-s N] [--clip-mb-per-s N] [--clip-kib N] [--records-per-batch N]";

    public Task<int> RunAsync(BenchmarkArgs args, CancellationToken ct) => IngestBenchmark.RunAsync([.. args.Raw]);
}

public static class IngestBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = BenchOptions.Parse(args);
        await using var database = await TestDatabase.CreateAsync();
        var storeRoot = TestEnvironment.NewTempDir("va-bench-clips");
        var dispatcher = new CountingDispatcher();
        using var host = BuildIngest(database.ConnectionString, storeRoot, dispatcher);
        await host.StartAsync();
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        Console.WriteLine($"ingest benchmark: {o.Seconds} s, {o.Devices} devices, offered {o.RecordsPerSecond} records/s "
            + $"({o.RecordsPerBatch}/batch) + {o.ClipMegabytesPerSecond} MB/s of {o.ClipKibibytes} KiB clips");

        var devices = Enumerable.Range(0, o.Devices).Select(i => new SimulatedDevice(new DeviceId("bench", "site", $"dev-{i}"), o)).ToList();
        foreach (var d in devices) await d.ConnectAsync();
        await WaitForSubscriptionAsync(devices[0]);

        var clock = Stopwatch.StartNew();
        using (var run = new CancellationTokenSource(TimeSpan.FromSeconds(o.Seconds)))
        {
            await Task.WhenAll(devices.Select(d => d.RunAsync(run.Token)));
        }
        var published = clock.Elapsed;
        var sentBatches = devices.Sum(d => d.Batches);
        var sentClips = devices.Sum(d => d.Clips.Count);
        Console.WriteLine($"published for {published.TotalSeconds:F1} s: {sentBatches} track batches, {sentClips} clips; waiting for the inbox to catch up");

        // Drain: everything published must be committed (and clips assembled) within a bound.
        var drainDeadline = DateTime.UtcNow.AddSeconds(Math.Max(60, o.Seconds));
        Result r;
        while (true)
        {
            r = await MeasureAsync(dataSource);
            if ((r.Batches >= sentBatches && r.CompleteClips >= sentClips) || DateTime.UtcNow > drainDeadline) break;
            await Task.Delay(500);
        }
        await host.StopAsync();
        foreach (var d in devices) d.Dispose();
        Directory.Delete(storeRoot, recursive: true);

        var allClips = devices.SelectMany(d => d.Clips).ToHashSet();
        var lost = Math.Max(0, sentBatches - r.Batches) + allClips.Count(id => !r.ClipIds.Contains(id));
        var duplicated = r.DuplicateSequences + dispatcher.Clips.Count(kv => kv.Value > 1);
        var recordsPerSecond = r.Records / r.TrackSeconds;
        var clipMbPerSecond = r.ClipBytes / 1e6 / r.ClipSeconds;
        Console.WriteLine($"tracks: {r.Batches} batches, {r.Records} records in {r.TrackSeconds:F1} s = {recordsPerSecond:F0} records/s; "
            + $"publish->commit p50 {r.TrackP50:F0} ms, p95 {r.TrackP95:F0} ms");
        Console.WriteLine($"clips: {r.CompleteClips} stored, {r.ClipBytes / 1e6:F1} MB in {r.ClipSeconds:F1} s = {r.CompleteClips / r.ClipSeconds:F1} clips/s, "
            + $"{clipMbPerSecond:F1} MB/s; manifest publish->commit p50 {r.ManifestP50:F0} ms, p95 {r.ManifestP95:F0} ms; "
            + $"publish->assembled p50 {r.AssembledP50:F0} ms, p95 {r.AssembledP95:F0} ms");
        var p95 = Math.Max(r.TrackP95, r.ManifestP95);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"records_per_s={recordsPerSecond:F0} clip_mb_per_s={clipMbPerSecond:F1} publish_to_commit_p95_ms={p95:F0} lost={lost} duplicated={duplicated}"));
        return lost == 0 && duplicated == 0 ? 0 : 1;
    }

    private static IHost BuildIngest(string connectionString, string storeRoot, CountingDispatcher dispatcher)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString + ";Maximum Pool Size=40",
            ["Cloud:Mqtt:Host"] = TestEnvironment.MqttHost,
            ["Cloud:Mqtt:Port"] = TestEnvironment.MqttPort.ToString(CultureInfo.InvariantCulture),
            ["Cloud:Mqtt:UseTls"] = "false",
            ["Cloud:Mqtt:ClientId"] = $"va-bench-{Guid.NewGuid():N}",
            ["Cloud:Mqtt:ShareGroup"] = "va-bench",
            ["Cloud:Ingest:PollIntervalMilliseconds"] = "100",
            ["Cloud:ClipStore:Root"] = storeRoot,
        });
        builder.Services.AddSingleton<IClipDispatcher>(dispatcher);
        builder.Services.AddIngest(builder.Configuration);
        return builder.Build();
    }

    private static async Task WaitForSubscriptionAsync(SimulatedDevice probe)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await probe.ProbeAsync()) return;
            await Task.Delay(100);
        }
        throw new TimeoutException("ingest did not subscribe");
    }

    private static async Task<Result> MeasureAsync(NpgsqlDataSource db)
    {
        var r = new Result();
        await using (var cmd = db.CreateCommand("""
            SELECT count(*), coalesce(sum(record_count), 0),
                   coalesce(extract(epoch FROM max(received_utc) - min(time_utc)), 0),
                   coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM received_utc - time_utc) * 1000), 0),
                   coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM received_utc - time_utc) * 1000), 0),
                   count(*) - count(DISTINCT (device, camera, sequence))
            FROM track_batches
            """))
        await using (var rd = await cmd.ExecuteReaderAsync())
        {
            await rd.ReadAsync();
            r.Batches = rd.GetInt64(0);
            r.Records = rd.GetInt64(1);
            r.TrackSeconds = Math.Max(0.001, (double)rd.GetDecimal(2));
            r.TrackP50 = rd.GetDouble(3);
            r.TrackP95 = rd.GetDouble(4);
            r.DuplicateSequences = rd.GetInt64(5);
        }
        await using (var cmd = db.CreateCommand("""
            SELECT clip_id, total_bytes,
                   extract(epoch FROM first_seen_utc - (manifest->>'timeUtc')::timestamptz) * 1000,
                   extract(epoch FROM completed_utc - (manifest->>'timeUtc')::timestamptz) * 1000,
                   extract(epoch FROM (manifest->>'timeUtc')::timestamptz), extract(epoch FROM completed_utc)
            FROM clips WHERE state IN ('complete', 'dispatched')
            """))
        await using (var rd = await cmd.ExecuteReaderAsync())
        {
            var manifestDelays = new List<double>();
            var assembledDelays = new List<double>();
            double first = double.MaxValue, last = 0;
            while (await rd.ReadAsync())
            {
                r.ClipIds.Add(rd.GetString(0));
                r.ClipBytes += rd.GetInt64(1);
                manifestDelays.Add((double)rd.GetDecimal(2));
                assembledDelays.Add((double)rd.GetDecimal(3));
                first = Math.Min(first, (double)rd.GetDecimal(4));
                last = Math.Max(last, (double)rd.GetDecimal(5));
            }
            r.CompleteClips = r.ClipIds.Count;
            r.ClipSeconds = Math.Max(0.001, last - first);
            (r.ManifestP50, r.ManifestP95) = (Percentile(manifestDelays, 0.5), Percentile(manifestDelays, 0.95));
            (r.AssembledP50, r.AssembledP95) = (Percentile(assembledDelays, 0.5), Percentile(assembledDelays, 0.95));
        }
        return r;
    }

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return 0;
        values.Sort();
        return values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
    }

    private sealed class Result
    {
        public long Batches, Records, DuplicateSequences, CompleteClips, ClipBytes;
        public double TrackSeconds, TrackP50, TrackP95, ClipSeconds, ManifestP50, ManifestP95, AssembledP50, AssembledP95;
        public HashSet<string> ClipIds { get; } = [];
    }

    private sealed record BenchOptions(int Seconds, int Devices, int RecordsPerSecond, double ClipMegabytesPerSecond, int ClipKibibytes, int RecordsPerBatch)
    {
        public static BenchOptions Parse(string[] args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{args[i]}'");
                values[args[i][2..]] = args[i + 1];
            }
            double Get(string key, double fallback) => values.TryGetValue(key, out var v)
                ? double.Parse(v, CultureInfo.InvariantCulture)
                : fallback;
            // 16 devices by default: one simulated device (one MQTTnet connection with a QoS 1 window of 100) carries about
            // 2 MB/s here, so 4 devices measured the simulator, not the cloud. Real sites send far less each.
            return new BenchOptions((int)Get("seconds", 60), (int)Get("devices", 16), (int)Get("records-per-s", 6000),
                Get("clip-mb-per-s", 24), (int)Get("clip-kib", 1024), (int)Get("records-per-batch", 50));
        }
    }

    private sealed class CountingDispatcher : IClipDispatcher
    {
        public ConcurrentDictionary<string, int> Clips { get; } = new();

        public Task DispatchClipAsync(ClipManifest manifest, CancellationToken ct)
        {
            Clips.AddOrUpdate(manifest.ClipId, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }

        public Task DispatchGateEventAsync(GateEvent gateEvent, CancellationToken ct) => Task.CompletedTask;

        public Task DispatchStatusAsync(DeviceStatus status, CancellationToken ct) => Task.CompletedTask;
    }

    /// <summary>One device with two cameras, publishing at its share of the offered load with a window of unacknowledged messages.</summary>
    private sealed class SimulatedDevice(DeviceId id, BenchOptions o) : IDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly SemaphoreSlim _window = new(100, 100);
        private readonly byte[] _blob = System.Security.Cryptography.RandomNumberGenerator.GetBytes(o.ClipKibibytes * 1024);
        private long _sequence;

        public long Batches => Interlocked.Read(ref _sequence);
        public ConcurrentBag<string> Clips { get; } = [];

        public async Task ConnectAsync()
        {
            var result = await _client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(TestEnvironment.MqttHost, TestEnvironment.MqttPort)
                .WithProtocolVersion(MqttProtocolVersion.V500).WithClientId($"bench-{id.Device}-{Guid.NewGuid():N}").Build());
            if (result.ResultCode != MqttClientConnectResultCode.Success) throw new InvalidOperationException($"connect: {result.ResultCode}");
        }

        public async Task<bool> ProbeAsync()
        {
            var status = new DeviceStatus { Branch = id.Branch, Site = id.Site, Device = id.Device, TimeUtc = DateTimeOffset.UtcNow, State = DeviceState.Online };
            var r = await _client.PublishAsync(UplinkMessages.Json(MqttTopics.Status(id), status, retain: false));
            return r.ReasonCode == MqttClientPublishReasonCode.Success;
        }

        public async Task RunAsync(CancellationToken ct)
        {
            var cameras = new[] { id.Camera("cam-1"), id.Camera("cam-2") };
            var batchesPerSecond = o.RecordsPerSecond / (double)o.RecordsPerBatch / o.Devices;
            var clipsPerSecond = o.ClipMegabytesPerSecond * 1e6 / _blob.Length / o.Devices;
            var pending = new ConcurrentBag<Task>();
            var clock = Stopwatch.StartNew();
            double batchesDue = 0, clipsDue = 0;
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            try
            {
                while (await tick.WaitForNextTickAsync(ct))
                {
                    var seconds = clock.Elapsed.TotalSeconds;
                    for (; batchesDue < seconds * batchesPerSecond; batchesDue++)
                    {
                        var seq = Interlocked.Increment(ref _sequence) - 1;
                        var batch = SampleMessages.Tracks(cameras[seq % 2], seq, o.RecordsPerBatch);
                        pending.Add(PublishAsync([UplinkMessages.Json(MqttTopics.Tracks(cameras[seq % 2]), batch, retain: false)]));
                    }
                    for (; clipsDue < seconds * clipsPerSecond; clipsDue++)
                    {
                        var camera = cameras[Clips.Count % 2];
                        var manifest = Manifest(camera);
                        Clips.Add(manifest.ClipId);
                        pending.Add(PublishAsync(UplinkMessages.ForClip(MqttTopics.Clip(camera, manifest.ClipId), ContractJson.Serialize(manifest), _blob)));
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The run is over; what was started still completes below.
            }
            await Task.WhenAll(pending);
        }

        private ClipManifest Manifest(CameraId camera)
        {
            var now = DateTimeOffset.UtcNow;
            var sha = _blobSha ??= Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(_blob));
            return new ClipManifest
            {
                ClipId = ClipIds.New(now), Branch = id.Branch, Site = id.Site, Device = id.Device, Camera = camera.Camera,
                TimeUtc = now, StartUtc = now.AddSeconds(-4), EndUtc = now, Rule = "fight", Decision = GateDecision.Uncertain, Score = 0.5,
                Files = [new ClipFile("clip.bin", "application/octet-stream", 0, _blob.Length, sha)],
                TotalBytes = _blob.Length, Sha256 = sha, ChunkSize = Limits.MaxChunkBytes,
                ChunkCount = (_blob.Length + Limits.MaxChunkBytes - 1) / Limits.MaxChunkBytes,
            };
        }

        private string? _blobSha;

        /// <summary>Publishes in order, each with QoS 1, retrying until the broker accepts (nothing is given up).</summary>
        private async Task PublishAsync(IReadOnlyList<MqttApplicationMessage> messages)
        {
            var acks = new List<Task>(messages.Count);
            foreach (var m in messages)
            {
                await _window.WaitAsync();
                acks.Add(PublishOneAsync(m));
            }
            await Task.WhenAll(acks);
        }

        private async Task PublishOneAsync(MqttApplicationMessage m)
        {
            try
            {
                while ((await _client.PublishAsync(m)).ReasonCode != MqttClientPublishReasonCode.Success) await Task.Delay(100);
            }
            finally
            {
                _window.Release();
            }
        }

        public void Dispose()
        {
            _client.Dispose();
            _window.Dispose();
        }
    }
}
