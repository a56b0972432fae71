using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Npgsql;
using VideoAnalytics.Cloud.Tests.Infrastructure;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests;

/// <summary>
/// Two <c>va-cloud</c> processes form one cluster on PostgreSQL; grains answer through either; after one is killed with
/// SIGKILL, its grains reactivate on the survivor with their state read back from the database, and clips sent through
/// the real broker while it dies are all judged exactly once.
/// </summary>
public sealed class TwoSiloFailoverTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private TestDatabase db = null!;
    private SiloProcess a = null!, b = null!;
    private Dictionary<string, string> settingsA = null!, settingsB = null!;

    public async Task InitializeAsync()
    {
        db = await TestDatabase.CreateAsync();
        var clipRoot = TestEnvironment.NewTempDir("va-failover-clips");
        var settings = new Dictionary<string, string>
        {
            ["Cloud:Postgres:ConnectionString"] = db.ConnectionString,
            ["Cloud:Cluster:ClusterId"] = "failover",
            ["Cloud:Cluster:SiloPort"] = "0",
            ["Cloud:Cluster:GatewayPort"] = "0",
            ["Cloud:Cluster:AdvertisedIPAddress"] = "127.0.0.1",
            ["Cloud:Cluster:ProbeTimeout"] = "00:00:01",
            ["Cloud:Cluster:NumMissedProbesLimit"] = "2",
            ["Cloud:Cluster:IAmAliveTablePublishTimeout"] = "00:00:02",
            ["Cloud:Api:DispatchEndpoints"] = "true",
            ["Cloud:Admin:ApiToken"] = SiloProcess.AdminToken,
            ["Cloud:Mqtt:Host"] = TestEnvironment.MqttHost,
            ["Cloud:Mqtt:Port"] = TestEnvironment.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cloud:Mqtt:UseTls"] = "false",
            // Other test assemblies run their own silos on the same broker: a share group of our own keeps their
            // messages and ours apart.
            ["Cloud:Mqtt:ShareGroup"] = $"failover-{Guid.NewGuid():N}"[..24],
            ["Cloud:ClipStore:Root"] = clipRoot,
            ["Cloud:Ingest:LeaseSeconds"] = "5",
            ["Cloud:Ingest:PollIntervalMilliseconds"] = "200",
            ["Cloud:Judge:Lease"] = "00:00:03",
            ["Cloud:Judge:SweepInterval"] = "00:00:00.500",
            ["Cloud:Logging:MinimumLevel"] = "Warning",
        };
        // The first silo creates the schema; the second then joins.
        // Each silo has its own MQTT session (two silos on one machine must not share a client id).
        settingsA = new Dictionary<string, string>(settings) { ["Cloud:Mqtt:ClientId"] = "va-cloud-test-a" };
        settingsB = new Dictionary<string, string>(settings) { ["Cloud:Mqtt:ClientId"] = "va-cloud-test-b" };
        a = await SiloProcess.StartAsync(settingsA, Timeout);
        b = await SiloProcess.StartAsync(settingsB, Timeout);
        await Eventually.GetAsync(() => CountAsync("SELECT count(*) FROM orleans_membership WHERE status = 3"), n => n == 2, Timeout, "two active silos");
    }

    public async Task DisposeAsync()
    {
        await a.DisposeAsync();
        await b.DisposeAsync();
        await db.DisposeAsync();
    }

    [Fact]
    public async Task Grains_answer_from_both_silos_and_move_to_the_survivor_with_their_state()
    {
        var siloA = await SiloAsync(a);
        var siloB = await SiloAsync(b);
        Assert.NotEqual(siloA, siloB);

        var devices = Enumerable.Range(1, 16).Select(i => $"dev-{i:D2}").ToList();
        // Half the devices report through each silo; every grain answers through both.
        for (var i = 0; i < devices.Count; i++) await PostStatusAsync(i % 2 == 0 ? a : b, devices[i], $"2.{devices[i][^2..]}");

        var hosts = new Dictionary<string, string>();
        foreach (var device in devices)
        {
            var viaA = await DeviceAsync(a, device);
            var viaB = await DeviceAsync(b, device);
            Assert.Equal(("online", $"2.{device[^2..]}"), (viaA.GetProperty("state").GetString(), viaA.GetProperty("agentVersion").GetString()));
            Assert.Equal(viaA.GetProperty("silo").GetString(), viaB.GetProperty("silo").GetString());
            hosts[device] = viaA.GetProperty("silo").GetString()!;
        }
        // Placement is Orleans' choice (resource-optimised by default): kill whichever silo hosts more of the grains.
        var (victim, survivor, survivorName) = hosts.Values.Count(h => h == siloA) >= hosts.Values.Count(h => h == siloB) ? (a, b, siloB) : (b, a, siloA);
        var victimName = survivorName == siloA ? siloB : siloA;
        var moving = devices.Where(d => hosts[d] == victimName).ToList();
        Assert.NotEmpty(moving);

        victim.Kill();

        foreach (var device in moving)
        {
            var moved = await Eventually.GetAsync(() => DeviceAsync(survivor, device), v => v.GetProperty("silo").GetString() == survivorName, Timeout,
                $"{device} reactivated on the survivor");
            Assert.Equal("online", moved.GetProperty("state").GetString());
            Assert.Equal($"2.{device[^2..]}", moved.GetProperty("agentVersion").GetString());
            Assert.Equal(["cam1", "cam2"], moved.GetProperty("cameras").EnumerateArray().Select(c => c.GetString()));
        }
        var branch = await survivor.Http.GetFromJsonAsync<JsonElement>("/api/cluster/branches/b1", Json);
        Assert.Equal(devices.Count, branch.GetProperty("devicesOnline").GetInt32());
        await Eventually.GetAsync(() => CountAsync("SELECT count(*) FROM orleans_membership WHERE status = 6"), n => n == 1, Timeout,
            "the killed silo declared dead");
    }

    [Fact]
    public async Task Clips_sent_through_the_broker_are_judged_exactly_once_when_a_silo_is_killed_mid_stream()
    {
        using var mqtt = new MqttClientFactory().CreateMqttClient();
        await mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(TestEnvironment.MqttHost, TestEnvironment.MqttPort)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithClientId("edge-failover").Build());
        // Both silos' ingest must be subscribed before clips flow: a retained status per silo shows it.
        await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("va/v1/b1/s1/probe/status")
            .WithPayload(ContractJson.Serialize(Status("probe", "1"))).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Eventually.GetAsync(() => DeviceAsync(b, "probe"), v => v.GetProperty("state").GetString() == "online", Timeout, "ingest running");

        var fights = TestClips.Videos("fight");
        var calm = TestClips.Videos("nofight");
        var clips = Enumerable.Range(0, 16)
            .Select(i => TestClips.Build(i % 2 == 0 ? fights[i] : calm[i], "b1", "s1", "dev-1", $"cam-{i % 4}", keyframes: 6))
            .ToList();
        for (var i = 0; i < clips.Count; i++)
        {
            if (i == 8) a.Kill(); // mid-stream: half the clips are in flight on both silos
            foreach (var m in TestClips.Messages(clips[i].Manifest, clips[i].Blob)) await mqtt.PublishAsync(m);
        }
        // The killed silo's MQTT session still holds what the broker gave it: it comes back (as an orchestrator would
        // restart it) and its leftover inbox work and pending clips are taken over by whichever silo gets there first.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await a.DisposeAsync();
        a = await SiloProcess.StartAsync(settingsA, Timeout);

        foreach (var (manifest, _) in clips)
        {
            var view = await Eventually.GetAsync(() => b.Http.GetFromJsonAsync<JsonElement>($"/api/cluster/clips/{manifest.ClipId}", Json),
                v => v.GetProperty("status").GetString() == "judged", Timeout, $"clip {manifest.ClipId} judged");
            Assert.StartsWith("embedded-", view.GetProperty("judgment").GetProperty("backend").GetString());
        }
        // Other test assemblies' devices publish on the same broker and reach this cluster too: count only our clips.
        var ids = clips.Select(c => c.Manifest.ClipId).ToArray();
        const string OurClipStates = "FROM orleans_grain_state WHERE state_name = 'clip' AND EXISTS (SELECT 1 FROM unnest(@ids) id WHERE grain_id LIKE '%' || id)";
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM (SELECT clip_id FROM alert_evidence WHERE clip_id = ANY(@ids) GROUP BY clip_id HAVING count(*) > 1) d", ids));
        Assert.Equal(0L, await CountAsync($"SELECT count(*) {OurClipStates} AND (state ->> 'status' <> 'judged' OR (state ->> 'attempts')::int <> 1)", ids));
        Assert.Equal(16L, await CountAsync($"SELECT count(*) {OurClipStates}", ids));
        // Every clip judged fight or unsure is evidence of exactly one alert; no_fight clips raise none.
        Assert.Equal(await CountAsync($"SELECT count(*) {OurClipStates} AND state -> 'judgment' ->> 'verdict' <> 'no_fight'", ids),
            await CountAsync("SELECT count(DISTINCT clip_id) FROM alert_evidence WHERE clip_id = ANY(@ids)", ids));
    }

    private static DeviceStatus Status(string device, string version) => new()
    {
        Branch = "b1", Site = "s1", Device = device, TimeUtc = DateTimeOffset.UtcNow, State = DeviceState.Online, AgentVersion = version,
        Cameras = [new CameraHealth("cam1", "ok", 5, 100, 0, DateTimeOffset.UtcNow, null), new CameraHealth("cam2", "ok", 5, 100, 0, null, null)],
        ModelVersions = new Dictionary<string, string> { ["detector"] = "yolox-nano/1" },
    };

    private static async Task PostStatusAsync(SiloProcess silo, string device, string version)
    {
        using var content = new StringContent(ContractJson.SerializeToString(Status(device, version)), Encoding.UTF8, "application/json");
        using var response = await silo.Http.PostAsync("/api/cluster/dispatch/status", content);
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonElement> DeviceAsync(SiloProcess silo, string device) =>
        await silo.Http.GetFromJsonAsync<JsonElement>($"/api/cluster/devices/b1/s1/{device}", Json);

    private static async Task<string> SiloAsync(SiloProcess silo) =>
        (await silo.Http.GetFromJsonAsync<JsonElement>("/api/cluster/silo", Json)).GetProperty("silo").GetString()!;

    private async Task<long> CountAsync(string sql, string[]? ids = null)
    {
        await using var conn = new NpgsqlConnection(db.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        if (ids is not null) cmd.Parameters.AddWithValue("ids", ids);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
