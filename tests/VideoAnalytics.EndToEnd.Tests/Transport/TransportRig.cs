using Npgsql;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Transport;

/// <summary>
/// One secure broker, one database, and the settings that point the device and ingest test hosts at them. Each
/// test owns one, so processes of different tests never meet.
/// </summary>
public sealed class TransportRig : IAsyncDisposable
{
    private readonly List<ChildProcess> _processes = [];

    private TransportRig(SecureBroker broker, TestDatabase database, string workDir)
    {
        Broker = broker;
        Database = database;
        WorkDir = workDir;
        DataSource = NpgsqlDataSource.Create(database.ConnectionString);
    }

    public static readonly DeviceId Device = new("b1", "s1", "d1");

    public SecureBroker Broker { get; }
    public TestDatabase Database { get; }
    public NpgsqlDataSource DataSource { get; }
    public string WorkDir { get; }
    public string SpoolDir => Path.Combine(WorkDir, "spool");

    public static async Task<TransportRig> StartAsync()
    {
        var broker = await SecureBroker.StartAsync(Device.ToString());
        var database = await TestDatabase.CreateAsync();
        return new TransportRig(broker, database, TestEnvironment.NewTempDir("va-transport"));
    }

    public ChildProcess StartDevice(int clips, int tracks, int pauseMs = 0) =>
        StartHost("device", new Dictionary<string, string>
        {
            ["Edge:Mqtt:Host"] = Broker.Host,
            ["Edge:Mqtt:Port"] = Broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Edge:Mqtt:CaFile"] = Broker.CaFile,
            ["Edge:Mqtt:Username"] = Device.ToString(),
            ["Edge:Mqtt:Password"] = Broker.PasswordOf(Device.ToString()),
            ["Edge:Mqtt:DeviceId"] = Device.ToString(),
            ["Edge:Mqtt:ReconnectMinMilliseconds"] = "100",
            ["Edge:Mqtt:ReconnectMaxMilliseconds"] = "1000",
            ["Edge:Spool:Directory"] = SpoolDir,
            ["Clips"] = clips.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Tracks"] = tracks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ClipBytes"] = (60 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PauseMilliseconds"] = pauseMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    public ChildProcess StartIngest() =>
        StartHost("ingest", new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = Database.ConnectionString,
            ["Cloud:Mqtt:Host"] = Broker.Host,
            ["Cloud:Mqtt:Port"] = Broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cloud:Mqtt:CaFile"] = Broker.CaFile,
            ["Cloud:Mqtt:Username"] = SecureBroker.CloudUser,
            ["Cloud:Mqtt:Password"] = Broker.PasswordOf(SecureBroker.CloudUser),
            ["Cloud:Mqtt:ClientId"] = "va-cloud-test",
            ["Cloud:Mqtt:ReconnectMinMilliseconds"] = "100",
            ["Cloud:Mqtt:ReconnectMaxMilliseconds"] = "1000",
            ["Cloud:Ingest:LeaseSeconds"] = "5",
            ["Cloud:Ingest:PollIntervalMilliseconds"] = "100",
            ["Cloud:ClipStore:Root"] = Path.Combine(WorkDir, "clips"),
        });

    /// <summary>A process of tests/VideoAnalytics.Transport.TestHosts (<c>device</c> or <c>ingest</c>), killed with the rig.</summary>
    private ChildProcess StartHost(string mode, IReadOnlyDictionary<string, string> settings)
    {
        var p = ChildProcess.StartDotnet(ChildProcess.ProjectDll("tests/VideoAnalytics.Transport.TestHosts", "VideoAnalytics.Transport.TestHosts"),
            [mode, .. settings.SelectMany(kv => new[] { $"--{kv.Key}", kv.Value })]);
        _processes.Add(p);
        return p;
    }

    /// <summary>Spooled ids printed by device processes: clip ids and track sequence numbers.</summary>
    public static (HashSet<string> Clips, HashSet<long> Tracks) Spooled(IEnumerable<string> lines)
    {
        var clips = new HashSet<string>();
        var tracks = new HashSet<long>();
        foreach (var line in lines)
        {
            if (line.StartsWith("spooled clip ", StringComparison.Ordinal)) clips.Add(line["spooled clip ".Length..]);
            else if (line.StartsWith("spooled tracks ", StringComparison.Ordinal)) tracks.Add(long.Parse(line["spooled tracks ".Length..], System.Globalization.CultureInfo.InvariantCulture));
        }
        return (clips, tracks);
    }

    /// <summary>What reached Postgres: dispatched clip ids, and track sequences with how often each is stored.</summary>
    public async Task<(HashSet<string> DispatchedClips, int ClipRows, Dictionary<long, int> TrackSequences)> StoredAsync()
    {
        var clips = new HashSet<string>();
        var clipRows = 0;
        var sequences = new Dictionary<long, int>();
        await using (var cmd = DataSource.CreateCommand("SELECT to_regclass('clips') IS NOT NULL"))
        {
            if (!(bool)(await cmd.ExecuteScalarAsync())!) return (clips, 0, sequences);
        }
        await using (var cmd = DataSource.CreateCommand("SELECT clip_id, state FROM clips"))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                clipRows++;
                if (r.GetString(1) == "dispatched") clips.Add(r.GetString(0));
            }
        }
        await using (var cmd = DataSource.CreateCommand("SELECT sequence, count(*)::int FROM track_batches GROUP BY sequence"))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync()) sequences[r.GetInt64(0)] = r.GetInt32(1);
        }
        return (clips, clipRows, sequences);
    }

    /// <summary>Polls until every spooled clip is dispatched and every spooled track batch stored, or time runs out.</summary>
    public async Task<(HashSet<string> DispatchedClips, int ClipRows, Dictionary<long, int> TrackSequences)> WaitForAllAsync(
        IReadOnlySet<string> clips, IReadOnlySet<long> tracks, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var stored = await StoredAsync();
            if ((clips.IsSubsetOf(stored.DispatchedClips) && tracks.All(stored.TrackSequences.ContainsKey)) || DateTime.UtcNow > deadline) return stored;
            await Task.Delay(250);
        }
    }

    public async Task<bool> WaitForOfflineStatusAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            await using var cmd = DataSource.CreateCommand(
                "SELECT count(*) FROM ingest_inbox WHERE kind = 'status' AND device = @d AND payload->>'state' = 'offline'");
            cmd.Parameters.AddWithValue("d", Device.Device);
            if ((long)(await cmd.ExecuteScalarAsync())! > 0) return true;
            await Task.Delay(200);
        }
        return false;
    }

    /// <summary>State of the given clips in Postgres, for failure messages.</summary>
    public async Task<string> DescribeClipsAsync(IReadOnlyList<string> clipIds)
    {
        var rows = new List<string>();
        await using var cmd = DataSource.CreateCommand(
            "SELECT clip_id, state, chunks_received, chunk_count, manifest IS NOT NULL, coalesce(reason, '') FROM clips WHERE clip_id = ANY(@ids)");
        cmd.Parameters.AddWithValue("ids", clipIds.ToArray());
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            rows.Add($"{r.GetString(0)} {r.GetString(1)} {r.GetInt32(2)}/{r.GetInt32(3)} manifest={r.GetBoolean(4)} {r.GetString(5)}");
        return $"{clipIds.Count} missing, {rows.Count} with rows: {string.Join("; ", rows)}";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes) p.Dispose();
        await DataSource.DisposeAsync();
        await Database.DisposeAsync();
        await Broker.DisposeAsync();
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
            // Left under the temp folder.
        }
    }
}
