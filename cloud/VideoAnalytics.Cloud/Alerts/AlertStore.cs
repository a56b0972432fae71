using Npgsql;
using NpgsqlTypes;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;

namespace VideoAnalytics.Cloud.Alerts;

/// <summary>One row of <c>alert_evidence</c>.</summary>
public sealed record EvidenceRow(
    string EvidenceId, string Kind, string? ClipId, Verdict? Verdict, double? Confidence, double? Score, string Reason,
    string? Backend, bool Verified, DateTimeOffset TimeUtc, IReadOnlyDictionary<string, float>? Features,
    float[]? SceneEmbedding, IReadOnlyList<string>? Keyframes);

/// <summary>An alert change to store atomically: the alert row, optional evidence, its audit row and optional labels.</summary>
public sealed record AlertChange(
    Alert Alert, DateTimeOffset LastEvidenceUtc, EvidenceRow? Evidence, string Actor, string Action, AlertState? FromState,
    string? Note, string? StaffLabel);

/// <summary>
/// The alerts tables (<c>0200_alerts.sql</c>, <c>0202_alerts_labels.sql</c>). Every change is one transaction that also
/// sends <c>NOTIFY va_alerts</c>, so every silo's live feed learns of it only once it is committed, and queues it in
/// <c>alert_outbox</c> for each of <paramref name="outbox"/>'s targets (MQTT, webhooks), which <see cref="AlertOutbox"/> sends.
/// </summary>
public sealed class AlertStore(NpgsqlDataSource dataSource, AlertOutboxTargets? outbox = null)
{
    public const string NotifyChannel = "va_alerts";

    private const string AlertColumns =
        "a.alert_id, a.branch, a.site, a.device, a.camera, a.rule, a.severity, a.state, a.verified, a.summary, a.opened_utc, a.updated_utc, a.last_evidence_utc";

    public async Task<List<OpenIncident>> LoadOpenAsync(string branch, string site, CancellationToken ct)
    {
        var incidents = await QueryAsync(
            "a.branch = @b AND a.site = @s AND a.state IN ('new', 'acknowledged') ORDER BY a.last_evidence_utc DESC LIMIT 1000",
            cmd => { cmd.Parameters.AddWithValue("b", branch); cmd.Parameters.AddWithValue("s", site); }, ct);
        if (incidents.Count == 0) return incidents;
        await using var cmd = dataSource.CreateCommand(
            "SELECT alert_id, evidence_id, kind, verdict FROM alert_evidence WHERE alert_id = ANY(@ids)");
        cmd.Parameters.AddWithValue("ids", incidents.Select(i => i.Alert.AlertId).ToArray());
        var byId = incidents.ToDictionary(i => i.Alert.AlertId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            byId[r.GetString(0)].Evidence[r.GetString(1)] = r.GetString(2) == "gate_event" ? "gate_event" : r.IsDBNull(3) ? "" : r.GetString(3);
        }
        return incidents;
    }

    public async Task<Alert?> GetAsync(string alertId, CancellationToken ct) =>
        (await QueryAsync("a.alert_id = @id", cmd => cmd.Parameters.AddWithValue("id", alertId), ct)).FirstOrDefault()?.Alert;

    /// <summary>Newest first; null filters match everything.</summary>
    public async Task<IReadOnlyList<Alert>> ListAsync(string? branch, string? site, int limit, CancellationToken ct) =>
        (await QueryAsync(
            "(@b::text IS NULL OR a.branch = @b) AND (@s::text IS NULL OR a.site = @s) ORDER BY a.updated_utc DESC LIMIT @n",
            cmd =>
            {
                cmd.Parameters.Add(new NpgsqlParameter("b", NpgsqlDbType.Text) { Value = (object?)branch ?? DBNull.Value });
                cmd.Parameters.Add(new NpgsqlParameter("s", NpgsqlDbType.Text) { Value = (object?)site ?? DBNull.Value });
                cmd.Parameters.AddWithValue("n", Math.Clamp(limit, 1, 1000));
            }, ct)).Select(i => i.Alert).ToList();

    public async Task<bool> EvidenceExistsAsync(string evidenceId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT 1 FROM alert_evidence WHERE evidence_id = @e LIMIT 1");
        cmd.Parameters.AddWithValue("e", evidenceId);
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }

    public async Task SaveAsync(AlertChange change, CancellationToken ct)
    {
        var a = change.Alert;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var up = new NpgsqlCommand(
            """
            INSERT INTO alerts (alert_id, branch, site, device, camera, rule, severity, state, verified, summary,
                                opened_utc, updated_utc, last_evidence_utc, state_actor, state_utc)
            VALUES (@id, @b, @s, @d, @c, @r, @sev, @state, @ver, @sum, @opened, @updated, @last, @actor, @updated)
            ON CONFLICT (alert_id) DO UPDATE SET device = EXCLUDED.device, severity = EXCLUDED.severity, state = EXCLUDED.state,
                verified = EXCLUDED.verified, summary = EXCLUDED.summary, updated_utc = EXCLUDED.updated_utc,
                last_evidence_utc = EXCLUDED.last_evidence_utc,
                state_actor = CASE WHEN alerts.state <> EXCLUDED.state THEN EXCLUDED.state_actor ELSE alerts.state_actor END,
                state_utc = CASE WHEN alerts.state <> EXCLUDED.state THEN EXCLUDED.state_utc ELSE alerts.state_utc END
            """, conn, tx))
        {
            up.Parameters.AddWithValue("id", a.AlertId);
            up.Parameters.AddWithValue("b", a.Branch);
            up.Parameters.AddWithValue("s", a.Site);
            up.Parameters.AddWithValue("d", a.Device);
            up.Parameters.AddWithValue("c", a.Camera);
            up.Parameters.AddWithValue("r", a.Rule);
            up.Parameters.AddWithValue("sev", AlertText.Of(a.Severity));
            up.Parameters.AddWithValue("state", AlertText.Of(a.State));
            up.Parameters.AddWithValue("ver", a.Verified);
            up.Parameters.AddWithValue("sum", a.Summary);
            up.Parameters.AddWithValue("opened", a.OpenedUtc.UtcDateTime);
            up.Parameters.AddWithValue("updated", a.TimeUtc.UtcDateTime);
            up.Parameters.AddWithValue("last", change.LastEvidenceUtc.UtcDateTime);
            up.Parameters.AddWithValue("actor", change.Actor);
            await up.ExecuteNonQueryAsync(ct);
        }
        if (change.Evidence is { } e)
        {
            await using var ev = new NpgsqlCommand(
                """
                INSERT INTO alert_evidence (alert_id, evidence_id, kind, clip_id, verdict, confidence, score, reason, backend,
                                            time_utc, features, scene_embedding, keyframes, verified)
                VALUES (@id, @e, @k, @clip, @v, @conf, @score, @reason, @backend, @t, @f, @emb, @kf, @ver)
                ON CONFLICT (alert_id, evidence_id) DO UPDATE SET verdict = EXCLUDED.verdict, confidence = EXCLUDED.confidence,
                    reason = EXCLUDED.reason, backend = EXCLUDED.backend, verified = EXCLUDED.verified
                """, conn, tx);
            ev.Parameters.AddWithValue("id", a.AlertId);
            ev.Parameters.AddWithValue("e", e.EvidenceId);
            ev.Parameters.AddWithValue("k", e.Kind);
            ev.Parameters.Add(Nullable("clip", NpgsqlDbType.Text, e.ClipId));
            ev.Parameters.Add(Nullable("v", NpgsqlDbType.Text, e.Verdict is { } v ? AlertText.Of(v) : null));
            ev.Parameters.Add(Nullable("conf", NpgsqlDbType.Double, e.Confidence));
            ev.Parameters.Add(Nullable("score", NpgsqlDbType.Double, e.Score));
            ev.Parameters.AddWithValue("reason", e.Reason);
            ev.Parameters.Add(Nullable("backend", NpgsqlDbType.Text, e.Backend));
            ev.Parameters.AddWithValue("t", e.TimeUtc.UtcDateTime);
            ev.Parameters.Add(Nullable("f", NpgsqlDbType.Jsonb,
                e.Features is { Count: > 0 } f ? ContractJson.SerializeToString(f.ToDictionary(x => x.Key, x => x.Value)) : null));
            ev.Parameters.Add(Nullable("emb", NpgsqlDbType.Array | NpgsqlDbType.Real, e.SceneEmbedding));
            ev.Parameters.Add(Nullable("kf", NpgsqlDbType.Array | NpgsqlDbType.Text, e.Keyframes?.ToArray()));
            ev.Parameters.AddWithValue("ver", e.Verified);
            await ev.ExecuteNonQueryAsync(ct);
        }
        await using (var audit = new NpgsqlCommand(
            "INSERT INTO alert_audit (alert_id, actor, action, from_state, to_state, note, time_utc) VALUES (@id, @actor, @action, @from, @to, @note, @t)",
            conn, tx))
        {
            audit.Parameters.AddWithValue("id", a.AlertId);
            audit.Parameters.AddWithValue("actor", change.Actor);
            audit.Parameters.AddWithValue("action", change.Action);
            audit.Parameters.Add(Nullable("from", NpgsqlDbType.Text, change.FromState is { } f ? AlertText.Of(f) : null));
            audit.Parameters.AddWithValue("to", AlertText.Of(a.State));
            audit.Parameters.Add(Nullable("note", NpgsqlDbType.Text, change.Note));
            audit.Parameters.AddWithValue("t", a.TimeUtc.UtcDateTime);
            await audit.ExecuteNonQueryAsync(ct);
        }
        if (change.StaffLabel is { } label)
        {
            // Staff decisions become training labels next to each clip's edge features and scene embedding.
            await using var labels = new NpgsqlCommand(
                """
                INSERT INTO labels (clip_id, source, branch, site, camera, rule, label, actor, alert_id, features, scene_embedding)
                SELECT e.clip_id, 'staff', @b, @s, @c, @r, @label, @actor, @id, e.features, e.scene_embedding
                FROM alert_evidence e WHERE e.alert_id = @id AND e.clip_id IS NOT NULL
                ON CONFLICT (clip_id, source) DO UPDATE SET label = EXCLUDED.label, actor = EXCLUDED.actor,
                    alert_id = EXCLUDED.alert_id, time_utc = now()
                """, conn, tx);
            labels.Parameters.AddWithValue("id", a.AlertId);
            labels.Parameters.AddWithValue("b", a.Branch);
            labels.Parameters.AddWithValue("s", a.Site);
            labels.Parameters.AddWithValue("c", a.Camera);
            labels.Parameters.AddWithValue("r", a.Rule);
            labels.Parameters.AddWithValue("label", label);
            labels.Parameters.AddWithValue("actor", change.Actor);
            await labels.ExecuteNonQueryAsync(ct);
        }
        if (outbox is { Targets.Count: > 0 })
        {
            await using var queued = new NpgsqlCommand(
                "INSERT INTO alert_outbox (alert_id, change, target, alert) SELECT @id, @change, t, @alert FROM unnest(@targets) AS t", conn, tx);
            queued.Parameters.AddWithValue("id", a.AlertId);
            queued.Parameters.AddWithValue("change", change.Action);
            queued.Parameters.AddWithValue("targets", outbox.Targets.ToArray());
            queued.Parameters.AddWithValue("alert", NpgsqlDbType.Jsonb, ContractJson.SerializeToString(a));
            await queued.ExecuteNonQueryAsync(ct);
        }
        await using (var notify = new NpgsqlCommand("SELECT pg_notify(@ch, @id)", conn, tx))
        {
            notify.Parameters.AddWithValue("ch", NotifyChannel);
            notify.Parameters.AddWithValue("id", a.AlertId);
            await notify.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>A confident judge verdict becomes a training label (source judge) with the clip's edge features.</summary>
    public async Task SaveJudgeLabelAsync(ClipManifest manifest, Judgment judgment, CancellationToken ct)
    {
        if (judgment.Verdict == Verdict.Unsure) return;
        await using var cmd = dataSource.CreateCommand(
            """
            INSERT INTO labels (clip_id, source, branch, site, camera, rule, label, actor, features, scene_embedding)
            VALUES (@clip, 'judge', @b, @s, @c, @r, @label, @actor, @f, @emb)
            ON CONFLICT (clip_id, source) DO UPDATE SET label = EXCLUDED.label, actor = EXCLUDED.actor, time_utc = now()
            """);
        cmd.Parameters.AddWithValue("clip", manifest.ClipId);
        cmd.Parameters.AddWithValue("b", manifest.Branch);
        cmd.Parameters.AddWithValue("s", manifest.Site);
        cmd.Parameters.AddWithValue("c", manifest.Camera);
        cmd.Parameters.AddWithValue("r", manifest.Rule);
        cmd.Parameters.AddWithValue("label", judgment.Verdict == Verdict.Fight ? "fight" : "nofight");
        cmd.Parameters.AddWithValue("actor", judgment.Backend);
        cmd.Parameters.Add(Nullable("f", NpgsqlDbType.Jsonb,
            manifest.Features is { Count: > 0 } ? ContractJson.SerializeToString(manifest.Features.ToDictionary(x => x.Key, x => x.Value)) : null));
        cmd.Parameters.Add(Nullable("emb", NpgsqlDbType.Array | NpgsqlDbType.Real, manifest.SceneEmbedding));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<List<OpenIncident>> QueryAsync(string where, Action<NpgsqlCommand> bind, CancellationToken ct)
    {
        // Clip ids and reasons come along, newest last, so an alert reads as one incident.
        await using var cmd = dataSource.CreateCommand(
            $"""
            SELECT {AlertColumns},
                   COALESCE((SELECT array_agg(DISTINCT e.clip_id) FROM alert_evidence e WHERE e.alert_id = a.alert_id AND e.clip_id IS NOT NULL), ARRAY[]::text[]),
                   COALESCE((SELECT array_agg(e.reason ORDER BY e.time_utc) FROM alert_evidence e WHERE e.alert_id = a.alert_id), ARRAY[]::text[])
            FROM alerts a WHERE {where}
            """);
        bind(cmd);
        var list = new List<OpenIncident>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var alert = new Alert
            {
                AlertId = r.GetString(0), Branch = r.GetString(1), Site = r.GetString(2), Device = r.GetString(3),
                Camera = r.GetString(4), Rule = r.GetString(5), Severity = AlertText.Severity(r.GetString(6)),
                State = AlertText.State(r.GetString(7)), Verified = r.GetBoolean(8), Summary = r.GetString(9),
                OpenedUtc = r.GetFieldValue<DateTimeOffset>(10), TimeUtc = r.GetFieldValue<DateTimeOffset>(11),
                ClipIds = r.GetFieldValue<string[]>(13), Reasons = r.GetFieldValue<string[]>(14),
            };
            list.Add(new OpenIncident(alert, r.GetFieldValue<DateTimeOffset>(12)));
        }
        return list;
    }

    private static NpgsqlParameter Nullable(string name, NpgsqlDbType type, object? value) =>
        new(name, type) { Value = value ?? DBNull.Value };
}

/// <summary>The words the alerts tables use for enums (the same as the contract JSON).</summary>
public static class AlertText
{
    public static string Of(AlertSeverity s) => s switch
    {
        AlertSeverity.Low => "low", AlertSeverity.Medium => "medium", AlertSeverity.High => "high", _ => "critical",
    };

    public static string Of(AlertState s) => s switch
    {
        AlertState.New => "new", AlertState.Acknowledged => "acknowledged", AlertState.Confirmed => "confirmed", _ => "dismissed",
    };

    public static string Of(Verdict v) => v switch { Verdict.Fight => "fight", Verdict.NoFight => "no_fight", _ => "unsure" };

    public static AlertSeverity Severity(string s) => s switch
    {
        "low" => AlertSeverity.Low, "medium" => AlertSeverity.Medium, "high" => AlertSeverity.High, _ => AlertSeverity.Critical,
    };

    public static AlertState State(string s) => s switch
    {
        "new" => AlertState.New, "acknowledged" => AlertState.Acknowledged, "confirmed" => AlertState.Confirmed, _ => AlertState.Dismissed,
    };
}
