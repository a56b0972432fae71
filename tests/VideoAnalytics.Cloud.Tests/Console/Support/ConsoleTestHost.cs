using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Cloud.Console;
using VideoAnalytics.Cloud.Hosting;
using VideoAnalytics.Cloud.Hosting.Security;
using VideoAnalytics.Cloud.Console.Users;
using VideoAnalytics.Cloud.Judging;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Testing;
using VideoAnalytics.Users;

namespace VideoAnalytics.Cloud.Tests.Console.Support;

/// <summary>
/// The va-cloud host (silo, alerts, console) on a free loopback port, on its own PostgreSQL database (schema applied
/// by the real migrator) and a filesystem clip store in a temp folder, with helpers that write users, alerts and clips
/// the way the other parts of the cloud write them.
/// </summary>
internal sealed class ConsoleTestHost : IAsyncDisposable
{
    public const string Password = "correct horse battery";
    private static readonly Lazy<string> PasswordHash = new(() => PasswordHashing.Hash(Password));
    private readonly TestDatabase database;
    private readonly WebApplication app;
    private readonly string clipDir;

    private ConsoleTestHost(TestDatabase database, WebApplication app, NpgsqlDataSource dataSource, string clipDir, Uri baseAddress)
    {
        this.database = database;
        this.app = app;
        DataSource = dataSource;
        this.clipDir = clipDir;
        BaseAddress = baseAddress;
    }

    /// <summary>The shipped sign-in limits, which this host otherwise raises for tests that sign in often from one address.</summary>
    public static readonly IReadOnlyDictionary<string, string?> ProductionSignInLimits = new Dictionary<string, string?>
    {
        ["Console:SignInsPerMinutePerAddress"] = "10",
        ["Console:MaxFailedSignInsPerAddress"] = "20",
    };

    public Uri BaseAddress { get; }
    public NpgsqlDataSource DataSource { get; }
    public IServiceProvider Services => app.Services;
    public string ConnectionString => database.ConnectionString;

    /// <summary>
    /// Starts the host as <c>Program.cs</c> wires it (<c>AddCloud</c>: silo, alerts service; judging; alerts and live feed; the console;
    /// the filesystem clip store of ingest) without the MQTT ingest, which these tests do not need.
    /// </summary>
    public static async Task<ConsoleTestHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var database = await TestDatabase.CreateAsync();
        var clipDir = TestEnvironment.NewTempDir("va-console-clips");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cloud:Postgres:ConnectionString"] = database.ConnectionString,
            ["Cloud:Cluster:ClusterId"] = "console-test",
            ["Cloud:Cluster:SiloPort"] = "0",
            ["Cloud:Cluster:GatewayPort"] = "0",
            ["Cloud:Cluster:AdvertisedIPAddress"] = "127.0.0.1",
            ["Cloud:Logging:MinimumLevel"] = "Warning",
            ["Console:SecureCookie"] = "false",
            // Most clients of these tests come from 127.0.0.1: the tests of the limits set them back (ProductionSignInLimits).
            ["Console:SignInsPerMinutePerAddress"] = "100000",
            ["Console:MaxFailedSignInsPerAddress"] = "10000",
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        builder.AddCloud();
        builder.Services.AddJudging(builder.Configuration);
        builder.Services.AddAlerts(builder.Configuration);
        builder.Services.AddSingleton<IClipStore>(new FileSystemClipStore(clipDir));
        builder.Services.AddConsole(builder.Configuration);
        var app = builder.Build();
        await app.Services.MigrateSchemaAsync();
        app.UseHttpLimits();
        app.MapCloudApi();
        app.MapConsole();
        await app.StartAsync();
        await app.Services.GetRequiredService<PostgresAlertFeed>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new ConsoleTestHost(database, app, app.Services.GetRequiredService<NpgsqlDataSource>(), clipDir, new Uri(address));
    }

    /// <summary>
    /// A client with its own cookie jar that does not follow redirects (so tests see them), connecting from
    /// <paramref name="fromAddress"/> (any 127.x.y.z: each is another client address to the host) or 127.0.0.1.
    /// </summary>
    public HttpClient NewClient(string fromAddress = "127.0.0.1") => new(new SocketsHttpHandler
    {
        CookieContainer = new CookieContainer(),
        AllowAutoRedirect = false,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(fromAddress), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = BaseAddress };

    public async Task<HttpClient> SignedInClientAsync(string name)
    {
        var client = NewClient();
        using var reply = await SignInAsync(client, name, Password);
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        return client;
    }

    public static Task<HttpResponseMessage> SignInAsync(HttpClient client, string name, string password) =>
        client.SendAsync(Post("/api/session", new { name, password }));

    /// <summary>A state-changing call as the console's pages make it: JSON body and the anti-forgery header.</summary>
    public static HttpRequestMessage Post(string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-VA-Console", "1");
        return request;
    }

    public async Task AddUserAsync(string name, string role, string? branch)
    {
        await using var cmd = DataSource.CreateCommand("INSERT INTO console_users (name, role, branch, password_hash) VALUES (@n, @r, @b, @h)");
        cmd.Parameters.AddWithValue("n", name);
        cmd.Parameters.AddWithValue("r", role);
        cmd.Parameters.Add(new NpgsqlParameter<string?>("b", branch));
        cmd.Parameters.AddWithValue("h", PasswordHash.Value);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Raises an alert through the alerts store, as the site grain does: alert row, a judgment as evidence and the
    /// "opened" audit row in one transaction, announced on the live feed.
    /// </summary>
    public async Task<Alert> AddAlertAsync(string branch, string site, string camera = "cam-1", string? clipId = null,
        AlertSeverity severity = AlertSeverity.High, bool verified = true, string summary = "Two people fighting near the ATM")
    {
        var now = DateTimeOffset.UtcNow;
        var alert = new Alert
        {
            AlertId = ClipIds.New(now), Branch = branch, Site = site, Device = "dev-1", Camera = camera, Rule = "fight",
            TimeUtc = now, OpenedUtc = now, Severity = severity, State = AlertState.New, Verified = verified, Summary = summary,
        };
        var judgment = new EvidenceRow(clipId ?? ClipIds.New(now), "judgment", clipId, Verdict.Fight, 0.91, null,
            "Two people exchange punches; one falls to the ground.", "embedded-cpu (test)", verified, now, null, null, null);
        await Services.GetRequiredService<AlertStore>().SaveAsync(
            new AlertChange(alert, now, judgment, "system", "opened", null, null, null), CancellationToken.None);
        return alert;
    }

    /// <summary>Stores a clip as ingest does: the blob (files concatenated) in the clip store and the manifest in <c>clips</c>.</summary>
    public async Task<ClipManifest> AddClipAsync(string branch, string site, string camera, IReadOnlyList<byte[]> jpegs,
        Func<int, IReadOnlyList<BoxAnnotation>> boxesOfFrame)
    {
        var now = DateTimeOffset.UtcNow;
        var files = new List<ClipFile>();
        long offset = 0;
        for (var i = 0; i < jpegs.Count; i++)
        {
            files.Add(new ClipFile($"kf{i:D2}.jpg", "image/jpeg", offset, jpegs[i].Length, Convert.ToHexStringLower(SHA256.HashData(jpegs[i]))));
            offset += jpegs[i].Length;
        }
        var blob = jpegs.SelectMany(j => j).ToArray();
        var manifest = new ClipManifest
        {
            ClipId = ClipIds.New(now), Branch = branch, Site = site, Device = "dev-1", Camera = camera, TimeUtc = now,
            StartUtc = now.AddSeconds(-2), EndUtc = now, Rule = "fight", Decision = GateDecision.Uncertain, Score = 0.62,
            FrameWidth = TestKeyframes.Width, FrameHeight = TestKeyframes.Height, Files = files,
            Keyframes = [.. files.Select((f, i) => new Keyframe(f.Name, i * 250, boxesOfFrame(i)))],
            TotalBytes = blob.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(blob)), ChunkCount = 1, ChunkSize = Math.Max(blob.Length, 1),
        };
        await Services.GetRequiredService<IClipStore>().PutAsync($"clips/{manifest.ClipId}", new MemoryStream(blob), CancellationToken.None);
        await using var cmd = DataSource.CreateCommand(
            "INSERT INTO clips (clip_id, branch, site, device, camera, manifest, sha256, total_bytes, chunk_count, chunks_received, state, blob_key) " +
            "VALUES (@id, @branch, @site, @device, @camera, @manifest, @sha, @bytes, 1, 1, 'dispatched', @key)");
        cmd.Parameters.AddWithValue("id", manifest.ClipId);
        cmd.Parameters.AddWithValue("branch", branch);
        cmd.Parameters.AddWithValue("site", site);
        cmd.Parameters.AddWithValue("device", manifest.Device);
        cmd.Parameters.AddWithValue("camera", camera);
        cmd.Parameters.AddWithValue("manifest", NpgsqlDbType.Jsonb, ContractJson.SerializeToString(manifest));
        cmd.Parameters.AddWithValue("sha", manifest.Sha256);
        cmd.Parameters.AddWithValue("bytes", manifest.TotalBytes);
        cmd.Parameters.AddWithValue("key", $"clips/{manifest.ClipId}");
        await cmd.ExecuteNonQueryAsync();
        return manifest;
    }

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20))) await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
        await database.DisposeAsync();
        Directory.Delete(clipDir, recursive: true);
    }
}
