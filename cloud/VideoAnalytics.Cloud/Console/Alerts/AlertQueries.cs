using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Console.Alerts;

/// <summary>Reads alerts for the console. Every query takes the caller's branch limit, so scope is enforced in SQL.</summary>
public sealed class AlertQueries(NpgsqlDataSource dataSource, ILogger<AlertQueries> logger)
{
    private const string AlertColumns =
        "alert_id, branch, site, device, camera, rule, severity, state, verified, summary, opened_utc, updated_utc";

    public sealed record Filter(string? Branch, string? Site, AlertState? State, int Limit);

    public async Task<IReadOnlyList<Alert>> ListAsync(Filter filter, CancellationToken ct)
    {
        var sql = new StringBuilder($"SELECT {AlertColumns} FROM alerts WHERE true");
        await using var cmd = dataSource.CreateCommand();
        if (filter.Branch is not null) { sql.Append(" AND branch = @branch"); cmd.Parameters.AddWithValue("branch", filter.Branch); }
        if (filter.Site is not null) { sql.Append(" AND site = @site"); cmd.Parameters.AddWithValue("site", filter.Site); }
        if (filter.State is { } state) { sql.Append(" AND state = @state"); cmd.Parameters.AddWithValue("state", AlertText.Of(state)); }
        sql.Append(" ORDER BY opened_utc DESC, alert_id LIMIT @limit");
        cmd.Parameters.AddWithValue("limit", filter.Limit);
        cmd.CommandText = sql.ToString();
        var alerts = new List<Alert>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (ReadAlert(reader) is { } alert) alerts.Add(alert);
        }
        return alerts;
    }

    /// <summary>The alert, or null when it does not exist or lies outside <paramref name="branchLimit"/>.</summary>
    public async Task<Alert?> FindAsync(string alertId, string? branchLimit, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {AlertColumns} FROM alerts WHERE alert_id = @id AND (@branch::text IS NULL OR branch = @branch::text)");
        cmd.Parameters.AddWithValue("id", alertId);
        cmd.Parameters.Add(new NpgsqlParameter<string?>("branch", branchLimit));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadAlert(reader) : null;
    }

    public async Task<IReadOnlyList<EvidenceView>> EvidenceAsync(string alertId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "SELECT evidence_id, kind, clip_id, verdict, confidence, score, reason, backend, time_utc " +
            "FROM alert_evidence WHERE alert_id = @id ORDER BY time_utc, evidence_id LIMIT 1000");
        cmd.Parameters.AddWithValue("id", alertId);
        var evidence = new List<EvidenceView>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            evidence.Add(new EvidenceView(reader.GetString(0), reader.GetString(1), NullableString(reader, 2), NullableString(reader, 3),
                reader.IsDBNull(4) ? null : reader.GetDouble(4), reader.IsDBNull(5) ? null : reader.GetDouble(5),
                reader.GetString(6), NullableString(reader, 7), reader.GetFieldValue<DateTimeOffset>(8)));
        }
        return evidence;
    }

    public async Task<IReadOnlyList<AuditView>> AuditAsync(string alertId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "SELECT actor, action, from_state, to_state, note, time_utc FROM alert_audit WHERE alert_id = @id ORDER BY id LIMIT 1000");
        cmd.Parameters.AddWithValue("id", alertId);
        var audit = new List<AuditView>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            audit.Add(new AuditView(reader.GetString(0), reader.GetString(1), NullableString(reader, 2), NullableString(reader, 3),
                NullableString(reader, 4), reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return audit;
    }

    private Alert? ReadAlert(NpgsqlDataReader r)
    {
        var id = r.GetString(0);
        if (!AlertText.TryParseSeverity(r.GetString(6), out var severity) || !AlertText.TryParseState(r.GetString(7), out var state))
        {
            logger.LogWarning("Alert {AlertId} has an unknown severity '{Severity}' or state '{State}'; not shown", id, r.GetString(6), r.GetString(7));
            return null;
        }
        return new Alert
        {
            AlertId = id,
            Branch = r.GetString(1),
            Site = r.GetString(2),
            Device = r.GetString(3),
            Camera = r.GetString(4),
            Rule = r.GetString(5),
            Severity = severity,
            State = state,
            Verified = r.GetBoolean(8),
            Summary = r.GetString(9),
            OpenedUtc = r.GetFieldValue<DateTimeOffset>(10),
            TimeUtc = r.GetFieldValue<DateTimeOffset>(11),
        };
    }

    private static string? NullableString(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
