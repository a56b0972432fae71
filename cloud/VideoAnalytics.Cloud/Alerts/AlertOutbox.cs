using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Transport;

namespace VideoAnalytics.Cloud.Alerts;

/// <summary>Where every alert change is pushed: <c>mqtt</c> (the site's alert topic) and <c>webhook:&lt;url&gt;</c> per webhook.</summary>
public sealed record AlertOutboxTargets(IReadOnlyList<string> Targets)
{
    public const string Mqtt = "mqtt";
    public const string WebhookPrefix = "webhook:";

    public static AlertOutboxTargets From(AlertOptions alerts, AlertMqttPublisher mqtt) =>
        new([.. (mqtt.Enabled ? new[] { Mqtt } : []), .. alerts.Webhooks.Select(w => WebhookPrefix + w.Url).Distinct(StringComparer.Ordinal)]);
}

/// <summary>
/// Sends what <see cref="AlertStore"/> queued in <c>alert_outbox</c> with each alert change: to the site's MQTT topic
/// and the webhooks, at least once, from whichever silo takes the row first (<c>FOR UPDATE SKIP LOCKED</c>). A row is
/// deleted once sent (or refused for good); a failed send comes back after a doubling <see cref="Backoff"/> (one
/// attempt per send: the row's schedule is the retry policy); a silo that dies while sending leaves the row to come due
/// again when its lease ends. The silo that stored a change wakes its own outbox at once; the others look every second.
/// </summary>
public sealed class AlertOutbox(
    NpgsqlDataSource db, AlertMqttPublisher mqtt, WebhookSender webhooks, IOptions<AlertOptions> options, ILogger<AlertOutbox> logger)
    : BackgroundService
{
    private const int BatchSize = 64;
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);
    // Longer than one send (webhook timeout ≤ 5 min) so no other silo takes a row while it is being sent.
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(6);
    // A site console that has not taken an alert in a day has its alerts on the web console.
    private static readonly TimeSpan MqttGiveUpAfter = TimeSpan.FromDays(1);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _sent, _retried, _abandoned;

    public long Sent => Interlocked.Read(ref _sent);

    public long Retried => Interlocked.Read(ref _retried);

    public long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>An alert change was committed on this silo: log it and send its outbox rows now.</summary>
    public void Committed(Alert alert, string change)
    {
        using (logger.BeginScope(new Dictionary<string, object>
        {
            ["AlertId"] = alert.AlertId, ["Branch"] = alert.Branch, ["Site"] = alert.Site, ["Device"] = alert.Device, ["Camera"] = alert.Camera,
        }))
        {
            logger.LogInformation("ALERT {Change} {AlertId} [{Severity}/{State}{Unverified}] {Branch}/{Site}/{Camera}: {Summary}",
                change, alert.AlertId, AlertText.Of(alert.Severity), AlertText.Of(alert.State), alert.Verified ? "" : ", unverified",
                alert.Branch, alert.Site, alert.Camera, alert.Summary);
        }
        _wake.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var taken = 0;
            try
            {
                var rows = await TakeDueAsync(stoppingToken);
                taken = rows.Count;
                // One target's rows in order; targets side by side, so a slow webhook does not hold up the others.
                await Task.WhenAll(rows.GroupBy(r => r.Target).Select(g => SendInOrderAsync(g, stoppingToken)));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException e)
            {
                logger.LogWarning("Alert outbox cannot reach PostgreSQL ({Error}); trying again", e.Message);
            }
            if (taken == BatchSize) continue;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            wait.CancelAfter(Poll);
            try
            {
                await _wake.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private sealed record OutboxRow(long Id, string AlertId, string Change, string Target, string AlertJson, int Attempts, DateTimeOffset CreatedUtc);

    private async Task<List<OutboxRow>> TakeDueAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            UPDATE alert_outbox SET due_utc = now() + $1, attempts = attempts + 1
            WHERE id IN (SELECT id FROM alert_outbox WHERE due_utc <= now() ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING id, alert_id, change, target, alert::text, attempts, created_utc
            """);
        cmd.Parameters.Add(new() { Value = Lease });
        cmd.Parameters.Add(new() { Value = BatchSize });
        var rows = new List<OutboxRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            rows.Add(new OutboxRow(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt32(5), r.GetFieldValue<DateTimeOffset>(6)));
        rows.Sort((a, b) => a.Id.CompareTo(b.Id));
        return rows;
    }

    private async Task SendInOrderAsync(IEnumerable<OutboxRow> rows, CancellationToken ct)
    {
        var list = rows.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (await SendAsync(list[i], ct) is not { } delay) continue;
            // The target is down: the rest of its rows wait as long, untried (their attempt is given back).
            await using var cmd = db.CreateCommand("UPDATE alert_outbox SET due_utc = now() + $2, attempts = attempts - 1 WHERE id = ANY($1)");
            cmd.Parameters.Add(new() { Value = list.Skip(i + 1).Select(r => r.Id).ToArray() });
            cmd.Parameters.Add(new() { Value = delay });
            await cmd.ExecuteNonQueryAsync(ct);
            return;
        }
    }

    /// <summary>Sends one row; returns the retry delay when the target failed (null: sent or dropped).</summary>
    private async Task<TimeSpan?> SendAsync(OutboxRow row, CancellationToken ct)
    {
        if (!ContractJson.TryRead<Alert>(System.Text.Encoding.UTF8.GetBytes(row.AlertJson), DateTimeOffset.UtcNow, out var alert, out var error))
        {
            await AbandonAsync(row, $"stored alert does not read back: {error}", ct);
            return null;
        }
        var o = options.Value;
        string? failure;
        var lastAttempt = false;
        if (row.Target == AlertOutboxTargets.Mqtt)
        {
            if (!mqtt.Enabled) { await AbandonAsync(row, "MQTT alert publishing is off now", ct); return null; }
            failure = await mqtt.PublishAsync(alert, ct);
            lastAttempt = DateTimeOffset.UtcNow - row.CreatedUtc > MqttGiveUpAfter;
        }
        else if (row.Target.StartsWith(AlertOutboxTargets.WebhookPrefix, StringComparison.Ordinal)
                 && o.Webhooks.FirstOrDefault(w => AlertOutboxTargets.WebhookPrefix + w.Url == row.Target) is { } hook)
        {
            var (outcome, detail) = await webhooks.SendAsync(hook, alert, ct);
            if (outcome == WebhookOutcome.Rejected) { await AbandonAsync(row, $"{hook.Url} refused it ({detail}); not retried", ct); return null; }
            failure = outcome == WebhookOutcome.Delivered ? null : detail;
            lastAttempt = row.Attempts >= o.WebhookMaxAttempts;
        }
        else
        {
            await AbandonAsync(row, $"target '{row.Target}' is no longer configured", ct);
            return null;
        }

        if (failure is null)
        {
            Interlocked.Increment(ref _sent);
            await DeleteAsync(row.Id, ct);
            return null;
        }
        if (lastAttempt)
        {
            await AbandonAsync(row, $"{failure}; gave up after {row.Attempts} attempts", ct);
            return null;
        }
        Interlocked.Increment(ref _retried);
        var delay = Backoff.Delay(row.Attempts - 1, o.WebhookBackoffInitial, MaxBackoff);
        logger.LogInformation("Alert {AlertId} to {Target} failed ({Failure}); attempt {Attempt}, next in {Delay}", row.AlertId, row.Target, failure, row.Attempts, delay);
        await using var cmd = db.CreateCommand("UPDATE alert_outbox SET due_utc = now() + $2 WHERE id = $1");
        cmd.Parameters.Add(new() { Value = row.Id });
        cmd.Parameters.Add(new() { Value = delay });
        await cmd.ExecuteNonQueryAsync(ct);
        return delay;
    }

    private async Task AbandonAsync(OutboxRow row, string reason, CancellationToken ct)
    {
        Interlocked.Increment(ref _abandoned);
        logger.LogWarning("Alert {AlertId} ({Change}) not sent to {Target}: {Reason}", row.AlertId, row.Change, row.Target, reason);
        await DeleteAsync(row.Id, ct);
    }

    private async Task DeleteAsync(long id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("DELETE FROM alert_outbox WHERE id = $1");
        cmd.Parameters.Add(new() { Value = id });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
