using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Npgsql;
using VideoAnalytics.Cloud.Tests.Infrastructure;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Transport;

/// <summary>
/// A device of another branch that learns a clip id cannot take the clip over: under its own prefix (which the broker's
/// ACL allows) it sends a chunk and a manifest with the victim's clip id while the victim is uploading. A real va-cloud
/// on the production broker config refuses both, counts and logs them, and the victim's clip is completed and judged.
/// </summary>
public sealed class ClipStaysWithItsDeviceTests
{
    private const string Token = "clip-owner-test-token-0123";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private static readonly CameraId Victim = new DeviceId("bank-north", "s1", "atm-box").Camera("hall");
    private static readonly CameraId Attacker = new DeviceId("bank-south", "s9", "evil").Camera("cam1");

    [Fact]
    public async Task Another_devices_chunk_and_manifest_under_the_same_clip_id_are_refused_and_the_genuine_clip_is_judged()
    {
        await using var broker = await SecureBroker.StartAsync(Victim.Device.ToString(), Attacker.Device.ToString());
        await using var db = await TestDatabase.CreateAsync();
        var clips = TestEnvironment.NewTempDir("va-clip-owner");
        var web = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        using var cloud = ChildProcess.StartDotnet(ChildProcess.ProjectDll("cloud/VideoAnalytics.Cloud", "va-cloud"),
        [
            "--urls", web.ToString().TrimEnd('/'),
            $"--Cloud:Postgres:ConnectionString={db.ConnectionString}",
            $"--Cloud:Mqtt:Host={broker.Host}",
            $"--Cloud:Mqtt:Port={broker.Port}",
            $"--Cloud:Mqtt:CaFile={broker.CaFile}",
            $"--Cloud:Mqtt:Username={SecureBroker.CloudUser}",
            $"--Cloud:Mqtt:Password={broker.PasswordOf(SecureBroker.CloudUser)}",
            "--Cloud:Mqtt:ClientId=va-cloud-clip-owner",
            $"--Cloud:ClipStore:Root={clips}",
            $"--Cloud:Cluster:SiloPort={FreePort.Next()}",
            $"--Cloud:Cluster:GatewayPort={FreePort.Next()}",
            $"--Cloud:Cluster:ClusterId=owner-{Guid.NewGuid():N}"[..36],
            $"--Cloud:Admin:ApiToken={Token}",
            "--Cloud:Ingest:RejectionLogIntervalSeconds=1",
            "--Cloud:Ingest:PollIntervalMilliseconds=100",
        ]);
        try
        {
            Assert.True(await cloud.WaitForHttpOkAsync(new Uri(web, "/healthz"), Bound), "va-cloud did not start:\n" + cloud.Tail());
            using var http = new HttpClient { BaseAddress = web };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            using var victim = await broker.ConnectAsync(Victim.Device.ToString());
            using var attacker = await broker.ConnectAsync(Attacker.Device.ToString());
            await using var data = NpgsqlDataSource.Create(db.ConnectionString);
            await WaitUntilIngestRunsAsync(victim, http);

            var (manifest, blob) = TestClips.Build(TestClips.FightVideo, Victim.Device.Branch, Victim.Device.Site, Victim.Device.Device, Victim.Camera, keyframes: 6);
            var genuine = TestClips.Messages(manifest, blob).ToList();
            await PublishAsync(victim, genuine[0]);
            await Eventually(async () => await ScalarAsync(data, $"SELECT count(*) FROM clips WHERE clip_id = '{manifest.ClipId}' AND manifest IS NOT NULL") == 1,
                "the victim's manifest is stored");

            // The attacker's own bytes as chunk 0 of a one-chunk clip, hash matching, and a manifest naming itself.
            var forged = RandomNumberGenerator.GetBytes(4096);
            var attackerTopic = MqttTopics.Clip(Attacker, manifest.ClipId);
            await PublishAsync(attacker, Message(attackerTopic, forged,
                new ClipChunkHeader(manifest.ClipId, 0, 1, Convert.ToHexStringLower(SHA256.HashData(forged)))));
            var forgedManifest = manifest with
            {
                Branch = Attacker.Device.Branch, Site = Attacker.Device.Site, Device = Attacker.Device.Device, Camera = Attacker.Camera,
            };
            await PublishAsync(attacker, Message(attackerTopic, ContractJson.Serialize(forgedManifest),
                new ClipChunkHeader(manifest.ClipId, ClipChunkHeader.ManifestIndex, manifest.ChunkCount, manifest.Sha256)));
            // Handled either way before the victim goes on: refused (logged), or stored as chunk 0 (the takeover).
            var refusedLine = $"from {Attacker.Device} (clip-owner)";
            await Eventually(async () => cloud.Lines.Any(l => l.Contains(refusedLine, StringComparison.Ordinal))
                || await ScalarAsync(data, $"SELECT count(*) FROM clip_chunks WHERE clip_id = '{manifest.ClipId}'") > 0, "the attacker's messages are handled");

            foreach (var m in genuine.Skip(1)) await PublishAsync(victim, m);

            var judged = await Eventually(async () =>
            {
                var view = await http.GetFromJsonAsync<JsonElement>($"/api/cluster/clips/{manifest.ClipId}");
                return view.GetProperty("status").GetString() == "judged";
            }, "the genuine clip is judged", throwOnTimeout: false);
            var row = await RowAsync(data, manifest.ClipId);
            Assert.True(judged, $"clip not judged; its row: {row}\n{cloud.Tail()}");
            Assert.StartsWith($"{Victim.Device}/{Victim.Camera} ", row, StringComparison.Ordinal);
            Assert.DoesNotContain("incomplete", row, StringComparison.Ordinal);
            var logged = cloud.Lines.Where(l => l.Contains(refusedLine, StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(logged);
            Assert.Contains(logged, l => l.Contains($"belongs to {Victim.Device}/{Victim.Camera}", StringComparison.Ordinal));
        }
        finally
        {
            cloud.Kill();
            Directory.Delete(clips, recursive: true);
        }
    }

    /// <summary>Ingest is subscribed once a status of the victim has reached its device grain.</summary>
    private static async Task WaitUntilIngestRunsAsync(IMqttClient device, HttpClient http)
    {
        var status = new DeviceStatus
        {
            Branch = Victim.Device.Branch, Site = Victim.Device.Site, Device = Victim.Device.Device, TimeUtc = DateTimeOffset.UtcNow, State = DeviceState.Online,
        };
        await PublishAsync(device, new MqttApplicationMessageBuilder().WithTopic(MqttTopics.Status(Victim.Device))
            .WithPayload(ContractJson.Serialize(status)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Eventually(async () =>
        {
            var view = await http.GetFromJsonAsync<JsonElement>($"/api/cluster/devices/{Victim.Device.Branch}/{Victim.Device.Site}/{Victim.Device.Device}");
            return view.GetProperty("state").GetString() == "online";
        }, "ingest delivers the victim's status");
    }

    private static async Task PublishAsync(IMqttClient client, MqttApplicationMessage message)
    {
        var result = await client.PublishAsync(message);
        Assert.True(result.IsSuccess, $"{message.Topic}: {result.ReasonCode}");
    }

    private static MqttApplicationMessage Message(string topic, byte[] payload, ClipChunkHeader header)
    {
        var builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        foreach (var (k, v) in header.ToUserProperties()) builder.WithUserProperty(k, System.Text.Encoding.UTF8.GetBytes(v).AsMemory());
        return builder.Build();
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource data, string sql)
    {
        await using var cmd = data.CreateCommand(sql);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<string> RowAsync(NpgsqlDataSource data, string clipId)
    {
        await using var cmd = data.CreateCommand("SELECT branch || '/' || site || '/' || device || '/' || camera || ' ' || state || coalesce(' ' || reason, '') FROM clips WHERE clip_id = @id");
        cmd.Parameters.AddWithValue("id", clipId);
        return (string?)await cmd.ExecuteScalarAsync() ?? "(none)";
    }

    private static async Task<bool> Eventually(Func<Task<bool>> condition, string what, bool throwOnTimeout = true)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition()) return true;
            }
            catch (HttpRequestException)
            {
                // The silo is still starting a grain or a query: ask again.
            }
            await Task.Delay(200);
        }
        return throwOnTimeout ? throw new TimeoutException($"{what} did not happen within {Bound}") : false;
    }
}
