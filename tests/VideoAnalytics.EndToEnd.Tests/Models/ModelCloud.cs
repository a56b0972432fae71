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
using VideoAnalytics.Cloud.Models;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Models;

/// <summary>
/// The cloud's model registry as deployed: ASP.NET Core on a real port, an Orleans silo (localhost clustering, memory
/// grain storage), its own database on the private PostgreSQL, blobs in a FileSystemClipStore, the private Mosquitto.
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

    private readonly WebApplication _app;
    private readonly TestDatabase _db;

    private ModelCloud(WebApplication app, TestDatabase db, string baseUrl, string keysDir, string blobsDir)
    {
        _app = app;
        _db = db;
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

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls(baseUrl);
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Information);
        // VA_TEST_LOGS=1 shows what the hosts log (dotnet test --logger "console;verbosity=detailed").
        if (Environment.GetEnvironmentVariable("VA_TEST_LOGS") == "1") builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Host.UseOrleans(silo => silo
            .UseLocalhostClustering(VideoAnalytics.Testing.FreePort.Next(), VideoAnalytics.Testing.FreePort.Next(), serviceId: "va-models-test", clusterId: Guid.NewGuid().ToString("N"))
            .AddMemoryGrainStorageAsDefault());
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(db.ConnectionString));
        builder.Services.AddSingleton<IClipStore>(_ => new FileSystemClipStore(Path.Combine(blobs, "store")));
        builder.Services.AddModelRegistry(builder.Configuration);
        var app = builder.Build();
        await new SchemaMigrator(app.Services.GetRequiredService<NpgsqlDataSource>(), NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        app.MapModelRegistry();
        await app.StartAsync();
        return new ModelCloud(app, db, baseUrl, keysDir, blobs);
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
