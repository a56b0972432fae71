using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Cloud.Console;
using VideoAnalytics.Cloud.Console.Users;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests.Console.Support;

/// <summary>
/// The console served by a real Kestrel host on a free loopback port, on its own PostgreSQL database (schema applied
/// by the real migrator) and a clip store in a temp folder, with helpers that write users, alerts and clips the way
/// the other parts of the cloud write them.
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

    public Uri BaseAddress { get; }
    public NpgsqlDataSource DataSource { get; }
    public IServiceProvider Services => app.Services;
    public string ConnectionString => database.ConnectionString;

    public static async Task<ConsoleTestHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var database = await TestDatabase.CreateAsync();
        var clipDir = TestEnvironment.NewTempDir("va-console-clips");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Console:SecureCookie"] = "false" });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddSingleton<IClipStore>(new DirectoryClipStore(clipDir));
        builder.Services.AddConsole(builder.Configuration);
        var app = builder.Build();
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await CreateClipsTableAsync(dataSource);
        app.MapConsole();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new ConsoleTestHost(database, app, dataSource, clipDir, new Uri(address));
    }

    /// <summary>A client with its own cookie jar that does not follow redirects (so tests see them).</summary>
    public HttpClient NewClient() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = BaseAddress };

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

    /// <summary>Writes an alert as the alerts service does: the alert row, a judgment as evidence, and the "opened" audit row.</summary>
    public async Task<Alert> AddAlertAsync(string branch, string site, string camera = "cam-1", string? clipId = null,
        AlertSeverity severity = AlertSeverity.High, bool verified = true, string summary = "Two people fighting near the ATM")
    {
        var now = DateTimeOffset.UtcNow;
        var alert = new Alert
        {
            AlertId = ClipIds.New(now), Branch = branch, Site = site, Device = "dev-1", Camera = camera, Rule = "fight",
            TimeUtc = now, OpenedUtc = now, Severity = severity, State = AlertState.New, Verified = verified, Summary = summary,
        };
        await using var batch = DataSource.CreateBatch();
        var insert = new NpgsqlBatchCommand(
            "INSERT INTO alerts (alert_id, branch, site, device, camera, rule, severity, state, verified, summary, opened_utc, updated_utc, last_evidence_utc) " +
            "VALUES (@id, @branch, @site, @device, @camera, @rule, @severity, 'new', @verified, @summary, @now, @now, @now)");
        insert.Parameters.AddWithValue("id", alert.AlertId);
        insert.Parameters.AddWithValue("branch", branch);
        insert.Parameters.AddWithValue("site", site);
        insert.Parameters.AddWithValue("device", alert.Device);
        insert.Parameters.AddWithValue("camera", camera);
        insert.Parameters.AddWithValue("rule", alert.Rule);
        insert.Parameters.AddWithValue("severity", severity.ToString().ToLowerInvariant());
        insert.Parameters.AddWithValue("verified", verified);
        insert.Parameters.AddWithValue("summary", summary);
        insert.Parameters.AddWithValue("now", now);
        batch.BatchCommands.Add(insert);
        var evidence = new NpgsqlBatchCommand(
            "INSERT INTO alert_evidence (alert_id, evidence_id, kind, clip_id, verdict, confidence, reason, backend, time_utc) " +
            "VALUES (@id, @evidence, 'judgment', @clip, 'fight', 0.91, @reason, 'embedded-cpu (test)', @now)");
        evidence.Parameters.AddWithValue("id", alert.AlertId);
        evidence.Parameters.AddWithValue("evidence", clipId ?? ClipIds.New(now));
        evidence.Parameters.Add(new NpgsqlParameter<string?>("clip", clipId));
        evidence.Parameters.AddWithValue("reason", "Two people exchange punches; one falls to the ground.");
        evidence.Parameters.AddWithValue("now", now);
        batch.BatchCommands.Add(evidence);
        var audit = new NpgsqlBatchCommand("INSERT INTO alert_audit (alert_id, actor, action, to_state) VALUES (@id, 'system', 'opened', 'new')");
        audit.Parameters.AddWithValue("id", alert.AlertId);
        batch.BatchCommands.Add(audit);
        await batch.ExecuteNonQueryAsync();
        return alert;
    }

    /// <summary>Publishes an alert change on the host's live feed, as the alerts service does after writing it.</summary>
    public void Publish(Alert alert) => Services.GetRequiredService<IAlertFeed>().Publish(alert);

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
        await using var cmd = DataSource.CreateCommand("INSERT INTO clips (clip_id, manifest) VALUES (@id, @manifest)");
        cmd.Parameters.AddWithValue("id", manifest.ClipId);
        cmd.Parameters.AddWithValue("manifest", NpgsqlDbType.Jsonb, ContractJson.SerializeToString(manifest));
        await cmd.ExecuteNonQueryAsync();
        return manifest;
    }

    /// <summary>
    /// The ingest's <c>clips</c> table (clip id + manifest JSONB) as the console reads it; created here only when
    /// the schema scripts did not already.
    /// </summary>
    private static async Task CreateClipsTableAsync(NpgsqlDataSource dataSource)
    {
        await using var cmd = dataSource.CreateCommand("CREATE TABLE IF NOT EXISTS clips (clip_id text PRIMARY KEY, manifest jsonb NOT NULL)");
        await cmd.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        await DataSource.DisposeAsync();
        await database.DisposeAsync();
        Directory.Delete(clipDir, recursive: true);
    }
}
