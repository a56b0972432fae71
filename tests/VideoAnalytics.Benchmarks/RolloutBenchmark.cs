using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Npgsql;
using Orleans.Runtime.Hosting;
using VideoAnalytics.Cloud.Grains.Cluster;
using VideoAnalytics.Cloud.Models;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Benchmarks;

/// <summary>
/// <c>rollout</c>: the real model registry (HTTP API, Orleans RolloutGrain on PostgreSQL grain storage, MQTT
/// publisher and report subscriber) rolls a signed heads package out to N simulated devices, each its own MQTT
/// connection to the broker. A device receives its retained <c>models/desired</c>, downloads the package over HTTP,
/// checks the manifest hash, the signature and the file hash, and reports <c>running</c>. Prints the time from the
/// assignment until 50 %, 95 % and 100 % of devices run it, and until the rollout grain calls it complete.
/// Run through deploy/local/with-services.sh.
/// </summary>
internal sealed class RolloutBenchmark : IBenchmark
{
    public string Name => "rollout";

    public string Usage => "[--devices 1000] [--canary 10] [--connect-parallelism 50] [--timeout-s 300]  (through deploy/local/with-services.sh)";

    public Task<int> RunAsync(BenchmarkArgs args, CancellationToken ct) => RunAsync(
        args.GetInt("devices", 1000), args.GetInt("canary", 10), args.GetInt("connect-parallelism", 50), TimeSpan.FromSeconds(args.GetInt("timeout-s", 300)), ct);

    public static async Task<int> RunAsync(int devices, int canary, int connectParallelism, TimeSpan timeout, CancellationToken ct)
    {
        var fdLimit = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal)) ?? "unknown";
        Console.Error.WriteLine($"rollout: {devices} devices, canary {canary}%, {Environment.ProcessorCount} cores; {fdLimit.Trim()} (each device holds one socket here and one in the broker)");

        await using var db = await TestDatabase.CreateAsync(ct);
        var work = TestEnvironment.NewTempDir("va-rollout-bench");
        try
        {
            var (privatePem, publicPem) = ModelSigningKeys.Create();
            var keyDir = Path.Combine(work, "keys");
            Directory.CreateDirectory(keyDir);
            await File.WriteAllTextAsync(Path.Combine(keyDir, "bench.public.pem"), publicPem, ct);
            await using var cloud = await StartCloudAsync(db.ConnectionString, work, Path.Combine(keyDir, "bench.public.pem"), ct);
            var dataSource = cloud.Services.GetRequiredService<NpgsqlDataSource>();
            var ids = Enumerable.Range(0, devices).Select(i => new DeviceId($"b{i % 20:D2}", $"s{i:D5}", "jetson-1")).ToList();
            await RegisterDevicesAsync(dataSource, ids, ct);

            using var trusted = TrustedModelKeys.FromConfiguration(new Dictionary<string, string> { ["bench"] = publicPem }, "bench");
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 });
            var running = new ConcurrentDictionary<DeviceId, double>();
            var clock = new Stopwatch();
            var fleet = new List<IMqttClient>(devices);
            try
            {
                var connectClock = Stopwatch.StartNew();
                foreach (var batch in ids.Chunk(connectParallelism))
                    fleet.AddRange(await Task.WhenAll(batch.Select(id => ConnectDeviceAsync(id, http, trusted, running, clock, ct))));
                Console.Error.WriteLine($"rollout: {fleet.Count} device connections up in {connectClock.Elapsed.TotalSeconds:0.0} s");

                var package = await WritePackageAsync(work, privatePem, ct);
                using var admin = new HttpClient { BaseAddress = new Uri(cloud.BaseUrl) };
                admin.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
                using (var form = new MultipartFormDataContent())
                {
                    foreach (var f in Directory.GetFiles(package)) form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(f, ct)), "file", Path.GetFileName(f));
                    (await admin.PostAsync("api/models/packages", form, ct)).EnsureSuccessStatusCode();
                }

                clock.Start();
                (await admin.PostAsJsonAsync("api/models/assignments", new AssignRequest("org", "gate-fight", "bench.1", canary), ct)).EnsureSuccessStatusCode();
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                deadline.CancelAfter(timeout);
                double? completedAt = null;
                var rollouts = cloud.Services.GetRequiredService<ModelRollouts>();
                while (!deadline.IsCancellationRequested && (running.Count < devices || completedAt is null))
                {
                    if (completedAt is null && (await rollouts.StatusAsync("org", ct)).Status?.Rollouts.FirstOrDefault()?.Phase == "completed") completedAt = clock.Elapsed.TotalSeconds;
                    await Task.Delay(100, CancellationToken.None);
                }
                var times = running.Values.Order().ToList();
                string At(double share) => times.Count >= Math.Ceiling(share * devices) ? times[(int)Math.Ceiling(share * devices) - 1].ToString("0.00", CultureInfo.InvariantCulture) : "timeout";
                Console.WriteLine($"devices running the new heads: {times.Count}/{devices}; rollout grain completed at {(completedAt is { } c ? c.ToString("0.00", CultureInfo.InvariantCulture) + " s" : "timeout")}");
                Console.WriteLine($"time from assignment: 50% {At(0.5)} s, 95% {At(0.95)} s, 100% {At(1.0)} s (canary {canary}% first)");
                Console.WriteLine($"devices={devices} p50_s={At(0.5)} p95_s={At(0.95)} all_s={At(1.0)}");
                return times.Count == devices ? 0 : 1;
            }
            finally
            {
                await Task.WhenAll(fleet.Select(async c =>
                {
                    try { await c.DisconnectAsync(); } catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException) { }
                    c.Dispose();
                }));
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private const string AdminToken = "rollout-benchmark-admin-token";

    /// <summary>One simulated device: its own MQTT connection; applies each desired state it receives and reports.</summary>
    private static async Task<IMqttClient> ConnectDeviceAsync(DeviceId id, HttpClient http, TrustedModelKeys trusted,
        ConcurrentDictionary<DeviceId, double> running, Stopwatch clock, CancellationToken ct)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += async e =>
        {
            if (!ContractJson.TryRead<DesiredModelState>(e.ApplicationMessage.Payload.ToArray(), DateTimeOffset.UtcNow, out var desired, out _)) return;
            var models = new List<RunningModel>();
            string? error = null;
            foreach (var m in desired.Models)
            {
                try
                {
                    await FetchAndVerifyAsync(http, trusted, m, ct);
                    models.Add(new RunningModel(m.Name, m.Kind, m.Version, ModelReportRecorder.HealthyMark));
                }
                catch (Exception ex) when (ex is HttpRequestException or InvalidDataException)
                {
                    error = ex.Message;
                }
            }
            var report = new ReportedModelState
            {
                Branch = id.Branch, Site = id.Site, Device = id.Device, TimeUtc = DateTimeOffset.UtcNow, RolloutId = desired.RolloutId,
                State = error is null ? ModelApplyState.Running : ModelApplyState.Failed, Models = models, LastError = error,
            };
            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(MqttTopics.ModelsReported(id)).WithPayload(ContractJson.Serialize(report))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag().Build(), ct);
            if (error is null && models.Count > 0) running.TryAdd(id, clock.Elapsed.TotalSeconds);
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(TestEnvironment.MqttHost, TestEnvironment.MqttPort)
            .WithClientId($"bench-{id.Branch}-{id.Site}").WithProtocolVersion(MqttProtocolVersion.V500).WithCleanStart().WithTimeout(TimeSpan.FromSeconds(30)).Build(), ct);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(MqttTopics.ModelsDesired(id), MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
        return client;
    }

    /// <summary>What the edge manager checks, in memory: manifest hash, signature by a trusted key, file hashes.</summary>
    private static async Task FetchAndVerifyAsync(HttpClient http, TrustedModelKeys trusted, DesiredModel m, CancellationToken ct)
    {
        var manifestBytes = await http.GetByteArrayAsync(m.PackageUrl + "files/" + ModelPackageFiles.Manifest, ct);
        if (ModelPackageFiles.Sha256Hex(manifestBytes) != m.ManifestSha256) throw new InvalidDataException("manifest hash differs");
        var errors = new List<string>();
        ModelPackageVerifier.CheckSignature(manifestBytes, ModelPackageFiles.SerializeSignature(new ManifestSignature { KeyId = m.KeyId, Signature = m.Signature }), trusted, errors);
        if (errors.Count > 0 || !ContractJson.TryRead<ModelManifest>(manifestBytes, DateTimeOffset.UtcNow, out var manifest, out _)) throw new InvalidDataException(string.Join("; ", errors));
        foreach (var f in manifest.Files)
        {
            var bytes = await http.GetByteArrayAsync(m.PackageUrl + "files/" + f.Path, ct);
            if (ModelPackageFiles.Sha256Hex(bytes) != f.Sha256) throw new InvalidDataException($"{f.Path} hash differs");
        }
    }

    private static async Task<string> WritePackageAsync(string work, string privatePem, CancellationToken ct)
    {
        var dir = Path.Combine(work, "package");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(TestEnvironment.RepoRoot, "deploy", "models", "fight-gate", "heads.json"), Path.Combine(dir, "heads.json"));
        await File.WriteAllTextAsync(Path.Combine(dir, ModelPackageFiles.Manifest), """{"schema":"va.model.v1","name":"gate-fight","kind":"heads","version":"bench.1","files":[]}""", ct);
        using var key = ModelSigningKeys.Load(privatePem, "bench key");
        await ModelPackageSigner.SignAsync(dir, key, "bench", DateTimeOffset.UtcNow, ct);
        return dir;
    }

    private static async Task RegisterDevicesAsync(NpgsqlDataSource db, IReadOnlyList<DeviceId> ids, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("INSERT INTO devices (branch, site, device) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING");
        cmd.Parameters.Add(new() { Value = ids.Select(i => i.Branch).ToArray() });
        cmd.Parameters.Add(new() { Value = ids.Select(i => i.Site).ToArray() });
        cmd.Parameters.Add(new() { Value = ids.Select(i => i.Device).ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private sealed class Cloud(WebApplication app, string baseUrl) : IAsyncDisposable
    {
        public string BaseUrl { get; } = baseUrl;
        public IServiceProvider Services => app.Services;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task<Cloud> StartCloudAsync(string connectionString, string work, string publicKeyPath, CancellationToken ct)
    {
        var port = VideoAnalytics.Testing.FreePort.Next();
        var baseUrl = $"http://127.0.0.1:{port}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cloud:Models:PublicBaseUrl"] = baseUrl,
            ["Cloud:Models:TrustedKeys:bench"] = publicKeyPath,
            ["Cloud:Models:StagingDirectory"] = Path.Combine(work, "staging"),
            ["Cloud:Mqtt:Host"] = TestEnvironment.MqttHost,
            ["Cloud:Mqtt:Port"] = TestEnvironment.MqttPort.ToString(CultureInfo.InvariantCulture),
            ["Cloud:Mqtt:UseTls"] = "false",
            ["Cloud:Mqtt:ClientId"] = "va-rollout-bench",
            ["Cloud:Admin:ApiToken"] = AdminToken,
        });
        builder.WebHost.UseUrls(baseUrl);
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        var dataSource = NpgsqlDataSource.Create(connectionString);
        builder.Host.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(VideoAnalytics.Testing.FreePort.Next(), VideoAnalytics.Testing.FreePort.Next(), serviceId: "va-rollout-bench", clusterId: Guid.NewGuid().ToString("N"));
            silo.Services.AddGrainStorage("Default", (sp, name) => new PostgresGrainStorage(name, "va-rollout-bench", dataSource, NullLogger<PostgresGrainStorage>.Instance));
        });
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddSingleton<IClipStore>(_ => new FileSystemClipStore(Path.Combine(work, "blobs")));
        builder.Services.AddModelRegistry(builder.Configuration);
        var app = builder.Build();
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(ct);
        app.MapModelRegistry();
        await app.StartAsync(ct);
        return new Cloud(app, baseUrl);
    }
}
