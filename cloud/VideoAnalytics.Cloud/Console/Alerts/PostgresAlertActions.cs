using Npgsql;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Console.Alerts;

/// <summary>
/// Alert state changes straight on the alerts tables: the state update and its audit row commit together, under a
/// row lock so that two operators acting at once cannot both win. The change is then published on the live feed.
/// Used when the host registers no other <see cref="IAlertActions"/>.
/// </summary>
public sealed class PostgresAlertActions(NpgsqlDataSource dataSource, AlertQueries queries, IAlertFeed feed) : IAlertActions
{
    public Task<AlertActionResult> AcknowledgeAsync(string alertId, string actor, string? note, CancellationToken ct) =>
        ChangeAsync(alertId, actor, note, AlertState.Acknowledged, "acknowledged", [AlertState.New], ct);

    public Task<AlertActionResult> ConfirmAsync(string alertId, string actor, string? note, CancellationToken ct) =>
        ChangeAsync(alertId, actor, note, AlertState.Confirmed, "confirmed", [AlertState.New, AlertState.Acknowledged], ct);

    public Task<AlertActionResult> DismissAsync(string alertId, string actor, string? note, CancellationToken ct) =>
        ChangeAsync(alertId, actor, note, AlertState.Dismissed, "dismissed", [AlertState.New, AlertState.Acknowledged], ct);

    private async Task<AlertActionResult> ChangeAsync(
        string alertId, string actor, string? note, AlertState to, string action, AlertState[] allowedFrom, CancellationToken ct)
    {
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            string? current;
            await using (var read = new NpgsqlCommand("SELECT state FROM alerts WHERE alert_id = @id FOR UPDATE", conn, tx))
            {
                read.Parameters.AddWithValue("id", alertId);
                current = await read.ExecuteScalarAsync(ct) as string;
            }
            if (current is null) return new AlertActionResult(AlertActionOutcome.NotFound, null, $"alert {alertId} not found");
            if (!AlertText.TryParseState(current, out var from) || !allowedFrom.Contains(from))
                return new AlertActionResult(AlertActionOutcome.NotAllowed, null, $"a {current} alert cannot be {action}");

            await using (var update = new NpgsqlCommand("UPDATE alerts SET state = @to, updated_utc = now() WHERE alert_id = @id", conn, tx))
            {
                update.Parameters.AddWithValue("id", alertId);
                update.Parameters.AddWithValue("to", AlertText.Of(to));
                await update.ExecuteNonQueryAsync(ct);
            }
            await using (var audit = new NpgsqlCommand(
                "INSERT INTO alert_audit (alert_id, actor, action, from_state, to_state, note) VALUES (@id, @actor, @action, @from, @to, @note)",
                conn, tx))
            {
                audit.Parameters.AddWithValue("id", alertId);
                audit.Parameters.AddWithValue("actor", actor);
                audit.Parameters.AddWithValue("action", action);
                audit.Parameters.AddWithValue("from", current);
                audit.Parameters.AddWithValue("to", AlertText.Of(to));
                audit.Parameters.Add(new NpgsqlParameter<string?>("note", note));
                await audit.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
        }
        var changed = await queries.FindAsync(alertId, branchLimit: null, ct)
            ?? throw new InvalidOperationException($"alert {alertId} vanished after its state change");
        feed.Publish(changed);
        return AlertActionResult.Changed(changed);
    }
}
