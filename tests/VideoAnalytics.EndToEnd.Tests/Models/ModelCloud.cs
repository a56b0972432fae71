using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Runtime.Hosting;
using VideoAnalytics.Cloud.Grains.Cluster;
using VideoAnalytics.Cloud.Hosting;
using VideoAnalytics.Cloud.Models;
using VideoAnalytics.Cloud.Models.Rollout;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Models;

/// <summary>
/// The cloud's model registry as deployed: ASP.NET Core on a real port, an Orleans silo (localhost clustering, grain
/// state in PostgreSQL as in production), its own database on the private PostgreSQL, blobs in a FileSystemClipStore, the private Mosquitto.
/// Also holds the organisation's signing key for the test.
/// </summary>
public sealed class ModelCloud : IAsyncDisposable
{
    /// <summary>
    /// Test classes that host a ModelCloud run one after another: several Orleans silos in one test process interfere
    /// (reports stall under parallel runs); production runs one silo per process.
    /// </summary>
    public const string Collection = "model-cloud";

    public const string Token = "test-admin-token-0123456789";
    public const string KeyId = "org-test";
    private const string ServiceId = "va-models-test";

    private readonly WebApplication _app;
    private readonly TestDatabase _db;
    private readonly Dictionary<string, string?> _settings;

    private ModelCloud(WebApplication app, TestDatabase db, Dictionary<string, string?> settings, string baseUrl, string keysDir, string blobsDir)
    {
        _app = app;
        _db = db;
        _settings = settings;
        BaseUrl = baseUrl;
        KeysDir = keysDir;
        BlobsDir = blobsDir;
    }

    public string BaseUrl { get; }
    public string KeysDir { get; }
    public string BlobsDir { get; }
    public string PrivateKeyPath => Path.Combine(KeysDir, KeyId + ModelSigningKeys.PrivateKeySuffix);
    public string PublicKeyPath => Path.Combine(KeysDir, KeyId + ModelSigningKeys.PublicKeySuffix);
    public NpgsqlDataSource Db => _app.Services.GetRequiredService<NpgsqlDataSource>();
    public IServiceProvider Services => _app.Services;

    public static async Task<ModelCloud> StartAsync(IDictionary<string, string?>? extra = null)
    {
        var db = await TestDatabase.CreateAsync();
        var keysDir = TestEnvironment.NewTempDir("va-keys");
        Assert.Equal(0, VideoAnalytics.Admin.Commands.KeysCommands.Create(new DirectoryInfo(keysDir), KeyId));
        var blobs = TestEnvironment.NewTempDir("va-blobs");
        var port = VideoAnalytics.Testing.FreePort.Next();
        var baseUrl = $"http://127.0.0.1:{port}";
        var settings = new Dictionary<string, string?>
        {
            ["Cloud:Models:PublicBaseUrl"] = baseUrl,
            [$"Cloud:Models:TrustedKeys:{KeyId}"] = Path.Combine(keysDir, KeyId + ModelSigningKeys.PublicKeySuffix),
            ["Cloud:Mqtt:Host"] = TestEnvironment.MqttHost,
            ["Cloud:Mqtt:Port"] = TestEnvironment.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cloud:Mqtt:UseTls"] = "false",
            ["Cloud:Mqtt:ClientId"] = $"va-models-test-{Guid.NewGuid():N}",
            // Test classes run in parallel on one broker: each cloud hears only its own devices' reports.
            ["Cloud:Mqtt:ShareGroup"] = $"m{Guid.NewGuid():N}"[..20],
            ["Cloud:Models:StagingDirectory"] = Path.Combine(blobs, "staging"),
            ["Cloud:Admin:ApiToken"] = Token,
            ["Cloud:Models:Training:SigningKey"] = Path.Combine(keysDir, KeyId + ModelSigningKeys.PrivateKeySuffix),
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) settings[k] = v;
        return new ModelCloud(await StartAppAsync(settings, db, baseUrl, blobs), db, settings, baseUrl, keysDir, blobs);
    }

    /// <summary>Stops this cloud's host and starts a new one on the same database, keys and blobs (a silo restart).</summary>
    public async Task<ModelCloud> RestartAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        return new ModelCloud(await StartAppAsync(_settings, _db, BaseUrl, BlobsDir), _db, _settings, BaseUrl, KeysDir, BlobsDir);
    }

    private static async Task<WebApplication> StartAppAsync(Dictionary<string, string?> settings, TestDatabase db, string baseUrl, string blobs)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls(baseUrl);
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Information);
        // VA_TEST_LOGS=1 shows what the hosts log (dotnet test --logger "console;verbosity=detailed").
        if (Environment.GetEnvironmentVariable("VA_TEST_LOGS") == "1") builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Host.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(VideoAnalytics.Testing.FreePort.Next(), VideoAnalytics.Testing.FreePort.Next(), serviceId: ServiceId, clusterId: Guid.NewGuid().ToString("N"));
            silo.Services.AddGrainStorage(CloudServiceCollectionExtensions.GrainStorageName, (sp, name) => new PostgresGrainStorage(
                name, ServiceId, sp.GetRequiredService<NpgsqlDataSource>(), NullLogger<PostgresGrainStorage>.Instance));
        });
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(db.ConnectionString));
        builder.Services.AddSingleton<IClipStore>(_ => new FileSystemClipStore(Path.Combine(blobs, "store")));
        builder.Services.AddModelRegistry(builder.Configuration);
        var app = builder.Build();
        await new SchemaMigrator(app.Services.GetRequiredService<NpgsqlDataSource>(), NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        app.MapModelRegistry();
        await app.StartAsync();
        return app;
    }

    /// <summary>The rollout grain of one kind over one scope (e.g. <c>branch:east</c>, <c>heads</c>).</summary>
    public IRolloutGrain Rollout(string scope, string kind)
    {
        Assert.True(ModelScope.TryParse(scope, out var parsed, out var error), error);
        return _app.Services.GetRequiredService<IGrainFactory>().GetGrain<IRolloutGrain>(IRolloutGrain.KeyOf(parsed, kind));
    }

    /// <summary>Registers devices the way the cloud knows them (the base schema's devices table).</summary>
    public async Task AddDevicesAsync(params string[] devices)
    {
        foreach (var d in devices)
        {
            var p = d.Split('/');
            await using var cmd = Db.CreateCommand("INSERT INTO devices (branch, site, device) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING");
            foreach (var v in p) cmd.Parameters.Add(new() { Value = v });
            await cmd.ExecuteNonQueryAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _db.DisposeAsync();
        foreach (var d in new[] { KeysDir, BlobsDir }) Directory.Delete(d, recursive: true);
    }
}

[CollectionDefinition(ModelCloud.Collection)]
public sealed class ModelCloudCollection;
