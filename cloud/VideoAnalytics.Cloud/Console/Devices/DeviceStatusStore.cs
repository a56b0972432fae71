using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;

namespace VideoAnalytics.Cloud.Console.Devices;

/// <summary>
/// The last status of every edge device, in <c>device_status</c>. The cloud's device grain writes each status it
/// receives with <see cref="UpsertAsync"/>; the console reads it. A record older than the stored one is ignored, so
/// a late retained status cannot hide a newer Last Will.
/// </summary>
public sealed class DeviceStatusStore(NpgsqlDataSource dataSource, ILogger<DeviceStatusStore> logger)
{
    public sealed record StoredStatus(DeviceStatus Status, DateTimeOffset ReceivedUtc);

    public async Task UpsertAsync(DeviceStatus status, DateTimeOffset receivedUtc, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "INSERT INTO device_status (branch, site, device, state, status_time_utc, received_utc, status) " +
            "VALUES (@branch, @site, @device, @state, @time, @received, @status) " +
            "ON CONFLICT (branch, site, device) DO UPDATE SET state = EXCLUDED.state, status_time_utc = EXCLUDED.status_time_utc, " +
            "received_utc = EXCLUDED.received_utc, status = EXCLUDED.status " +
            "WHERE device_status.status_time_utc <= EXCLUDED.status_time_utc");
        cmd.Parameters.AddWithValue("branch", status.Branch);
        cmd.Parameters.AddWithValue("site", status.Site);
        cmd.Parameters.AddWithValue("device", status.Device);
        cmd.Parameters.AddWithValue("state", status.State == DeviceState.Online ? "online" : "offline");
        cmd.Parameters.AddWithValue("time", status.TimeUtc);
        cmd.Parameters.AddWithValue("received", receivedUtc);
        cmd.Parameters.AddWithValue("status", NpgsqlDbType.Jsonb, ContractJson.SerializeToString(status));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Devices within <paramref name="branch"/>/<paramref name="site"/> (null: any), ordered by site and device.</summary>
    public async Task<IReadOnlyList<StoredStatus>> ListAsync(string? branch, string? site, CancellationToken ct)
    {
        var sql = new StringBuilder("SELECT branch, site, device, status::text, received_utc FROM device_status WHERE true");
        await using var cmd = dataSource.CreateCommand();
        if (branch is not null) { sql.Append(" AND branch = @branch"); cmd.Parameters.AddWithValue("branch", branch); }
        if (site is not null) { sql.Append(" AND site = @site"); cmd.Parameters.AddWithValue("site", site); }
        sql.Append(" ORDER BY branch, site, device LIMIT 5000");
        cmd.CommandText = sql.ToString();
        var list = new List<StoredStatus>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            try
            {
                if (JsonSerializer.Deserialize(reader.GetString(3), ContractJsonContext.Default.DeviceStatus) is { } status)
                    list.Add(new StoredStatus(status, reader.GetFieldValue<DateTimeOffset>(4)));
            }
            catch (JsonException e)
            {
                logger.LogWarning("Status of device {Branch}/{Site}/{Device} does not read: {Error}",
                    reader.GetString(0), reader.GetString(1), reader.GetString(2), e.Message);
            }
        }
        return list;
    }
}
