using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime;

namespace VideoAnalytics.Cloud.Grains.Cluster;

/// <summary>
/// Orleans membership on PostgreSQL (tables in <c>Storage/Schema/0201_cluster.sql</c>). Every conditional write runs in
/// one transaction that first swaps the cluster's table-version etag and then inserts or updates the silo row (itself
/// checked by etag), so a lost race changes nothing and returns false, as Orleans expects.
/// </summary>
public sealed class PostgresMembershipTable(
    NpgsqlDataSource dataSource, IOptions<ClusterOptions> clusterOptions, ILogger<PostgresMembershipTable> logger) : IMembershipTable
{
    private const string MemberColumns =
        "silo_address, silo_name, host_name, status, proxy_port, suspect_times, start_time, i_am_alive_time, etag";

    private readonly string clusterId = clusterOptions.Value.ClusterId;

    public async Task InitializeMembershipTable(bool tryInitTableVersion)
    {
        if (!tryInitTableVersion) return;
        await using var cmd = dataSource.CreateCommand(
            "INSERT INTO orleans_membership_version (cluster_id, version, etag) VALUES (@c, 0, @e) ON CONFLICT DO NOTHING");
        cmd.Parameters.AddWithValue("c", clusterId);
        cmd.Parameters.AddWithValue("e", NewEtag());
        if (await cmd.ExecuteNonQueryAsync() == 1) logger.LogInformation("Created membership table version for cluster {ClusterId}", clusterId);
    }

    public async Task DeleteMembershipTableEntries(string clusterId)
    {
        await using var cmd = dataSource.CreateCommand("DELETE FROM orleans_membership_version WHERE cluster_id = @c");
        cmd.Parameters.AddWithValue("c", clusterId);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        await using var cmd = dataSource.CreateCommand(
            "DELETE FROM orleans_membership WHERE cluster_id = @c AND status = @dead AND i_am_alive_time < @before");
        cmd.Parameters.AddWithValue("c", clusterId);
        cmd.Parameters.AddWithValue("dead", (int)SiloStatus.Dead);
        cmd.Parameters.AddWithValue("before", beforeDate.UtcDateTime);
        var removed = await cmd.ExecuteNonQueryAsync();
        if (removed > 0) logger.LogInformation("Removed {Count} defunct silo entries older than {Before}", removed, beforeDate);
    }

    public Task<MembershipTableData> ReadRow(SiloAddress key) => ReadAsync(key);

    public Task<MembershipTableData> ReadAll() => ReadAsync(null);

    public async Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        if (!await SwapVersionAsync(conn, tx, tableVersion)) return false;
        await using var cmd = new NpgsqlCommand(
            $"""
            INSERT INTO orleans_membership (cluster_id, generation, {MemberColumns})
            VALUES (@c, @gen, @addr, @name, @host, @status, @proxy, @suspects, @start, @alive, @etag)
            ON CONFLICT DO NOTHING
            """, conn, tx);
        AddEntryParameters(cmd, entry);
        cmd.Parameters.AddWithValue("gen", entry.SiloAddress.Generation);
        cmd.Parameters.AddWithValue("etag", NewEtag());
        if (await cmd.ExecuteNonQueryAsync() != 1) return false;
        await tx.CommitAsync();
        return true;
    }

    public async Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        if (!await SwapVersionAsync(conn, tx, tableVersion)) return false;
        await using var cmd = new NpgsqlCommand(
            """
            UPDATE orleans_membership SET silo_name = @name, host_name = @host, status = @status, proxy_port = @proxy,
                suspect_times = @suspects, start_time = @start, i_am_alive_time = @alive, etag = @newEtag
            WHERE cluster_id = @c AND silo_address = @addr AND etag = @etag
            """, conn, tx);
        AddEntryParameters(cmd, entry);
        cmd.Parameters.AddWithValue("etag", etag);
        cmd.Parameters.AddWithValue("newEtag", NewEtag());
        if (await cmd.ExecuteNonQueryAsync() != 1) return false;
        await tx.CommitAsync();
        return true;
    }

    public async Task UpdateIAmAlive(MembershipEntry entry)
    {
        await using var cmd = dataSource.CreateCommand(
            "UPDATE orleans_membership SET i_am_alive_time = @alive WHERE cluster_id = @c AND silo_address = @addr");
        cmd.Parameters.AddWithValue("c", clusterId);
        cmd.Parameters.AddWithValue("addr", entry.SiloAddress.ToParsableString());
        cmd.Parameters.AddWithValue("alive", AsUtc(entry.IAmAliveTime));
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task<MembershipTableData> ReadAsync(SiloAddress? only)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        // Version and rows must be read as one snapshot.
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        TableVersion version;
        await using (var v = new NpgsqlCommand("SELECT version, etag FROM orleans_membership_version WHERE cluster_id = @c", conn, tx))
        {
            v.Parameters.AddWithValue("c", clusterId);
            await using var r = await v.ExecuteReaderAsync();
            if (!await r.ReadAsync())
            {
                throw new InvalidOperationException($"Membership table of cluster '{clusterId}' is not initialised.");
            }
            version = new TableVersion(r.GetInt32(0), r.GetString(1));
        }
        var rows = new List<Tuple<MembershipEntry, string>>();
        await using (var m = new NpgsqlCommand(
            $"SELECT {MemberColumns} FROM orleans_membership WHERE cluster_id = @c" + (only is null ? "" : " AND silo_address = @addr"), conn, tx))
        {
            m.Parameters.AddWithValue("c", clusterId);
            if (only is not null) m.Parameters.AddWithValue("addr", only.ToParsableString());
            await using var r = await m.ExecuteReaderAsync();
            while (await r.ReadAsync()) rows.Add(Tuple.Create(ReadEntry(r), r.GetString(8)));
        }
        await tx.CommitAsync();
        return new MembershipTableData(rows, version);
    }

    private async Task<bool> SwapVersionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, TableVersion next)
    {
        await using var cmd = new NpgsqlCommand(
            "UPDATE orleans_membership_version SET version = @v, etag = @newEtag, updated_utc = now() WHERE cluster_id = @c AND etag = @etag",
            conn, tx);
        cmd.Parameters.AddWithValue("c", clusterId);
        cmd.Parameters.AddWithValue("v", next.Version);
        cmd.Parameters.AddWithValue("etag", next.VersionEtag);
        cmd.Parameters.AddWithValue("newEtag", NewEtag());
        return await cmd.ExecuteNonQueryAsync() == 1;
    }

    private void AddEntryParameters(NpgsqlCommand cmd, MembershipEntry e)
    {
        cmd.Parameters.AddWithValue("c", clusterId);
        cmd.Parameters.AddWithValue("addr", e.SiloAddress.ToParsableString());
        cmd.Parameters.AddWithValue("name", e.SiloName ?? "");
        cmd.Parameters.AddWithValue("host", e.HostName ?? "");
        cmd.Parameters.AddWithValue("status", (int)e.Status);
        cmd.Parameters.AddWithValue("proxy", e.ProxyPort);
        cmd.Parameters.AddWithValue("suspects", (object?)FormatSuspects(e.SuspectTimes) ?? DBNull.Value);
        cmd.Parameters.AddWithValue("start", AsUtc(e.StartTime));
        cmd.Parameters.AddWithValue("alive", AsUtc(e.IAmAliveTime));
    }

    private static MembershipEntry ReadEntry(NpgsqlDataReader r) => new()
    {
        SiloAddress = SiloAddress.FromParsableString(r.GetString(0)),
        SiloName = r.GetString(1),
        HostName = r.GetString(2),
        Status = (SiloStatus)r.GetInt32(3),
        ProxyPort = r.GetInt32(4),
        SuspectTimes = r.IsDBNull(5) ? [] : ParseSuspects(r.GetString(5)),
        StartTime = r.GetDateTime(6),
        IAmAliveTime = r.GetDateTime(7),
    };

    // Votes as "siloAddress,ticks|siloAddress,ticks": parsable silo addresses hold neither ',' nor '|'.
    private static string? FormatSuspects(List<Tuple<SiloAddress, DateTime>>? votes) =>
        votes is null or { Count: 0 }
            ? null
            : string.Join('|', votes.Select(v => $"{v.Item1.ToParsableString()},{AsUtc(v.Item2).Ticks.ToString(CultureInfo.InvariantCulture)}"));

    private static List<Tuple<SiloAddress, DateTime>> ParseSuspects(string text) =>
        text.Split('|', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => v.Split(','))
            .Select(p => Tuple.Create(SiloAddress.FromParsableString(p[0]),
                new DateTime(long.Parse(p[1], CultureInfo.InvariantCulture), DateTimeKind.Utc)))
            .ToList();

    private static DateTime AsUtc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Utc => t,
        DateTimeKind.Local => t.ToUniversalTime(),
        _ => DateTime.SpecifyKind(t, DateTimeKind.Utc),
    };

    private static string NewEtag() => Guid.NewGuid().ToString("N");
}
