using System.Text.Json;
using Npgsql;
using OpenCvSharp;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Chain;

/// <summary>
/// The whole chain, for real: a real fight clip → va-edge (YOLOX-Nano, tracker, gate, clip, spool) → MQTT QoS 1
/// through Mosquitto → va-cloud (ingest inbox, clip assembly, Orleans grains, embedded judge) → an alert in Postgres.
/// Both programs run as their built executables, against the private PostgreSQL and Mosquitto of with-services.sh.
/// </summary>
public sealed class FightClipBecomesAlertTests : IAsyncLifetime
{
    private const string FightClip = "survfight/fight/fi124.mp4";

    private TestDatabase _db = null!;
    private readonly string _work = TestEnvironment.NewTempDir("va-chain");

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_real_fight_clip_ends_as_an_alert_with_its_clip_and_keyframes()
    {
        var clipsRoot = Path.Combine(_work, "clips");
        var web = FreePort.Next();
        using var cloud = ChildProcess.StartDotnet(ChildProcess.ProjectDll("cloud/VideoAnalytics.Cloud", "va-cloud"),
        [
            "--urls", $"http://127.0.0.1:{web}",
            $"--Cloud:Postgres:ConnectionString={_db.ConnectionString}",
            $"--Cloud:Mqtt:Host={TestEnvironment.MqttHost}",
            $"--Cloud:Mqtt:Port={TestEnvironment.MqttPort}",
            "--Cloud:Mqtt:UseTls=false",
            $"--Cloud:Mqtt:ClientId=va-chain-{Guid.NewGuid():N}",
            // Other test assemblies run silos on the same broker: our own share group keeps this edge's clips here.
            $"--Cloud:Mqtt:ShareGroup=chain-{Guid.NewGuid():N}"[..45],
            $"--Cloud:ClipStore:Root={clipsRoot}",
            $"--Cloud:Cluster:SiloPort={FreePort.Next()}",
            $"--Cloud:Cluster:GatewayPort={FreePort.Next()}",
            $"--Cloud:Cluster:ClusterId=chain-{Guid.NewGuid():N}"[..40],
        ]);
        Assert.True(await cloud.WaitForHttpOkAsync(new Uri($"http://127.0.0.1:{web}/healthz"), TimeSpan.FromSeconds(90)), "va-cloud did not start:\n" + cloud.Tail());

        var edgeConfig = Path.Combine(_work, "edge.json");
        await File.WriteAllTextAsync(edgeConfig, JsonSerializer.Serialize(new
        {
            Edge = new
            {
                Device = new { Branch = "chain-branch", Site = "chain-site", Device = "edge-1" },
                Cameras = new[] { new { Id = "hall", Source = TestEnvironment.Videos(FightClip), AnalysisFps = 10, Live = false, Loop = false } },
                Spool = new { Directory = Path.Combine(_work, "spool") },
                Mqtt = new { Host = TestEnvironment.MqttHost, Port = TestEnvironment.MqttPort, UseTls = false },
            },
        }));
        using var edge = ChildProcess.StartDotnet(ChildProcess.ProjectDll("edge/VideoAnalytics.Edge", "va-edge"), ["run", "--config", edgeConfig]);
        Assert.True(await edge.WaitForExitAsync(TimeSpan.FromSeconds(120)), "va-edge did not finish the clip:\n" + edge.Tail());
        Assert.True(edge.ExitCode == 0, $"va-edge exited with {edge.ExitCode}:\n{edge.Tail()}");

        await using var data = NpgsqlDataSource.Create(_db.ConnectionString);
        var alert = await PollAsync(data, """
            SELECT a.alert_id, a.rule, a.camera, e.clip_id, e.backend
            FROM alerts a JOIN alert_evidence e ON e.alert_id = a.alert_id AND e.kind = 'judgment'
            WHERE a.branch = 'chain-branch' AND a.site = 'chain-site'
            """, TimeSpan.FromSeconds(60));
        Assert.True(alert is not null, "no alert with a judgment in Postgres.\nedge:\n" + edge.Tail(30) + "\ncloud:\n" + cloud.Tail(40));
        var (rule, camera, clipId, backend) = ((string)alert[1], (string)alert[2], (string)alert[3], (string)alert[4]);
        Assert.Equal("fight", rule);
        Assert.Equal("hall", camera);
        Assert.StartsWith("embedded", backend);

        // The alert's clip: assembled, hash-checked, stored; its keyframes are real JPEGs of the camera's frames.
        await using var cmd = data.CreateCommand("SELECT manifest::text, blob_key FROM clips WHERE clip_id = @id");
        cmd.Parameters.AddWithValue("id", clipId);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"clip {clipId} of the alert is not in the clips table");
        using var manifest = JsonDocument.Parse(reader.GetString(0));
        await using var stored = await new FileSystemClipStore(clipsRoot).OpenReadAsync(reader.GetString(1), CancellationToken.None);
        Assert.NotNull(stored);
        using var copy = new MemoryStream();
        await stored.CopyToAsync(copy);
        var blob = copy.ToArray();
        var keyframes = manifest.RootElement.GetProperty("keyframes");
        Assert.True(keyframes.GetArrayLength() >= 2, "the clip has fewer than two keyframes");
        var files = manifest.RootElement.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        foreach (var kf in keyframes.EnumerateArray())
        {
            var file = files[kf.GetProperty("file").GetString()!];
            var bytes = blob.AsSpan((int)file.GetProperty("offset").GetInt64(), (int)file.GetProperty("length").GetInt64()).ToArray();
            using var image = Cv2.ImDecode(bytes, ImreadModes.Color);
            Assert.Equal(manifest.RootElement.GetProperty("frameWidth").GetInt32(), image.Width);
            Assert.Equal(manifest.RootElement.GetProperty("frameHeight").GetInt32(), image.Height);
        }
        Assert.Contains(keyframes.EnumerateArray(), kf => kf.GetProperty("boxes").GetArrayLength() > 0);
    }

    private static async Task<object[]?> PollAsync(NpgsqlDataSource data, string sql, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            await using var cmd = data.CreateCommand(sql);
            await using var reader = await cmd.ExecuteReaderAsync();
            if (await reader.ReadAsync())
            {
                var row = new object[reader.FieldCount];
                reader.GetValues(row);
                return row;
            }
            await Task.Delay(500);
        }
        return null;
    }
}
