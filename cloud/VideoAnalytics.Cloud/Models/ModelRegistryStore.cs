using Npgsql;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Cloud.Models.Rollout;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Cloud.Models;

public sealed record ModelVersionRow(string Name, string Version, ModelKind Kind, string ManifestSha256, string KeyId, long TotalBytes, string PushedBy, DateTimeOffset PushedUtc);

public sealed record ModelFileRow(string Path, string Sha256, long Bytes, string BlobKey);

public sealed record DeviceModelStatus(
    string Device, IReadOnlyList<string> Desired, string? Running, string? State, string? LastError, DateTimeOffset? ReportedUtc);

/// <summary>The registry's tables (Storage/Schema/0300_models.sql): versions, files, assignments, targets, reports, audit.</summary>
public sealed class ModelRegistryStore(NpgsqlDataSource db)
{
    public static string BlobKey(string name, string version, string file) => $"models/{name}/{version}/{file}";

    public async Task<string?> ManifestShaAsync(string name, string version, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT manifest_sha256 FROM model_versions WHERE name=$1 AND version=$2");
        cmd.Parameters.Add(new() { Value = name });
        cmd.Parameters.Add(new() { Value = version });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    public async Task InsertVersionAsync(PackageVerification package, string actor, CancellationToken ct)
    {
        var m = package.Manifest!;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand(
            "INSERT INTO model_versions (name, version, kind, manifest, manifest_sha256, signature, key_id, total_bytes, pushed_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)", conn, tx))
        {
            foreach (var v in new object[] { m.Name, m.Version, KindName(m.Kind), package.ManifestBytes, package.ManifestSha256, package.Signature!.Signature, package.Signature.KeyId, m.Files.Sum(f => f.Bytes), actor })
                cmd.Parameters.Add(new() { Value = v });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        foreach (var f in m.Files)
        {
            await using var cmd = new NpgsqlCommand("INSERT INTO model_files (name, version, path, sha256, bytes, blob_key) VALUES ($1,$2,$3,$4,$5,$6)", conn, tx);
            foreach (var v in new object[] { m.Name, m.Version, f.Path, f.Sha256, f.Bytes, BlobKey(m.Name, m.Version, f.Path) })
                cmd.Parameters.Add(new() { Value = v });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await AuditAsync(conn, tx, actor, "pushed", $"{m.Name}@{m.Version} ({KindName(m.Kind)}, {package.ManifestSha256[..12]}, key {package.Signature.KeyId})", ct);
        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<ModelVersionRow>> ListVersionsAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT name, version, kind, manifest_sha256, key_id, total_bytes, pushed_by, pushed_utc FROM model_versions ORDER BY name, pushed_utc DESC");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<ModelVersionRow>();
        while (await r.ReadAsync(ct))
            rows.Add(new(r.GetString(0), r.GetString(1), ParseKind(r.GetString(2)), r.GetString(3), r.GetString(4), r.GetInt64(5), r.GetString(6), r.GetFieldValue<DateTimeOffset>(7)));
        return rows;
    }

    public async Task<(ModelKind Kind, byte[] Manifest)?> ManifestAsync(string name, string version, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT kind, manifest FROM model_versions WHERE name=$1 AND version=$2");
        cmd.Parameters.Add(new() { Value = name });
        cmd.Parameters.Add(new() { Value = version });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (ParseKind(r.GetString(0)), r.GetFieldValue<byte[]>(1)) : null;
    }

    public async Task<ModelFileRow?> FileAsync(string name, string version, string path, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT path, sha256, bytes, blob_key FROM model_files WHERE name=$1 AND version=$2 AND path=$3");
        cmd.Parameters.Add(new() { Value = name });
        cmd.Parameters.Add(new() { Value = version });
        cmd.Parameters.Add(new() { Value = path });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new ModelFileRow(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetString(3)) : null;
    }

    /// <summary>Makes this the active assignment of (scope, kind); the one it replaces becomes superseded (kept for rollback).</summary>
    public async Task InsertAssignmentAsync(ModelAssignment a, int canaryPercent, string actor, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        string? supersedes;
        await using (var cmd = new NpgsqlCommand("UPDATE model_assignments SET state='superseded', canary_deadline_utc=NULL WHERE scope=$1 AND kind=$2 AND state='active' RETURNING rollout_id", conn, tx))
        {
            cmd.Parameters.Add(new() { Value = a.Scope.ToString() });
            cmd.Parameters.Add(new() { Value = KindName(a.Kind) });
            supersedes = await cmd.ExecuteScalarAsync(ct) as string;
        }
        await using (var cmd = new NpgsqlCommand(
            "INSERT INTO model_assignments (rollout_id, scope, kind, name, version, canary_percent, state, supersedes, assigned_by) VALUES ($1,$2,$3,$4,$5,$6,'active',$7,$8)", conn, tx))
        {
            foreach (var v in new object?[] { a.RolloutId, a.Scope.ToString(), KindName(a.Kind), a.Name, a.Version, canaryPercent, supersedes, actor })
                cmd.Parameters.Add(new() { Value = v ?? DBNull.Value });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await AuditAsync(conn, tx, actor, "assigned", $"{a.Name}@{a.Version} to {a.Scope} (canary {canaryPercent}%, rollout {a.RolloutId})", ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Marks a rollout rolled back and re-activates the assignment it had replaced, if that is still the latest.</summary>
    public async Task MarkRolledBackAsync(string rolloutId, string actor, string reason, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand(
            """
            WITH rb AS (UPDATE model_assignments SET state='rolled_back', canary_deadline_utc=NULL WHERE rollout_id=$1 AND state='active' RETURNING supersedes)
            UPDATE model_assignments SET state='active' WHERE rollout_id = (SELECT supersedes FROM rb) AND state='superseded'
            """, conn, tx))
        {
            cmd.Parameters.Add(new() { Value = rolloutId });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await AuditAsync(conn, tx, actor, "rolled_back", $"rollout {rolloutId}: {reason}", ct);
        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<ModelAssignment>> ActiveAssignmentsAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT rollout_id, scope, kind, name, version FROM model_assignments WHERE state='active'");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<ModelAssignment>();
        while (await r.ReadAsync(ct))
            rows.Add(new(r.GetString(0), ModelScope.Parse(r.GetString(1)), ParseKind(r.GetString(2)), r.GetString(3), r.GetString(4)));
        return rows;
    }

    /// <summary>The newest assignment of (scope, kind) that is active or was rolled out, for rollback and status.</summary>
    public async Task<string?> LatestRolloutAsync(ModelScope scope, ModelKind kind, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT rollout_id FROM model_assignments WHERE scope=$1 AND kind=$2 AND state='active'");
        cmd.Parameters.Add(new() { Value = scope.ToString() });
        cmd.Parameters.Add(new() { Value = KindName(kind) });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Every device the cloud knows: registered ones, those that sent a status, and those that reported models.</summary>
    public async Task<IReadOnlyList<DeviceId>> DevicesAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT branch, site, device FROM devices UNION SELECT branch, site, device FROM device_status UNION SELECT branch, site, device FROM model_device_reports ORDER BY 1, 2, 3");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<DeviceId>();
        while (await r.ReadAsync(ct)) rows.Add(new DeviceId(r.GetString(0), r.GetString(1), r.GetString(2)));
        return rows;
    }

    public async Task<Dictionary<string, (string Name, string Version, string RolloutId)>> TargetsAsync(ModelKind kind, string camera, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT branch, site, device, name, version, rollout_id FROM model_device_targets WHERE kind=$1 AND camera=$2");
        cmd.Parameters.Add(new() { Value = KindName(kind) });
        cmd.Parameters.Add(new() { Value = camera });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new Dictionary<string, (string, string, string)>(StringComparer.Ordinal);
        while (await r.ReadAsync(ct)) rows[$"{r.GetString(0)}/{r.GetString(1)}/{r.GetString(2)}"] = (r.GetString(3), r.GetString(4), r.GetString(5));
        return rows;
    }

    /// <summary>Sets (name != null) or clears what one device must run for one kind and camera.</summary>
    public async Task SetTargetAsync(DeviceId d, string camera, ModelKind kind, string? name, string? version, string rolloutId, CancellationToken ct)
    {
        await using var cmd = name is null
            ? db.CreateCommand("DELETE FROM model_device_targets WHERE branch=$1 AND site=$2 AND device=$3 AND camera=$4 AND kind=$5")
            : db.CreateCommand(
                """
                INSERT INTO model_device_targets (branch, site, device, camera, kind, name, version, rollout_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
                ON CONFLICT (branch, site, device, camera, kind) DO UPDATE SET name=excluded.name, version=excluded.version, rollout_id=excluded.rollout_id, updated_utc=now()
                """);
        foreach (var v in name is null ? new object[] { d.Branch, d.Site, d.Device, camera, KindName(kind) } : [d.Branch, d.Site, d.Device, camera, KindName(kind), name, version!, rolloutId])
            cmd.Parameters.Add(new() { Value = v });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The models one device must run, with what it needs to fetch and verify them.</summary>
    public async Task<IReadOnlyList<(string Camera, ModelKind Kind, string Name, string Version, string ManifestSha256, string Signature, string KeyId)>> DesiredAsync(DeviceId d, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            SELECT t.camera, t.kind, t.name, t.version, v.manifest_sha256, v.signature, v.key_id
            FROM model_device_targets t JOIN model_versions v ON v.name = t.name AND v.version = t.version
            WHERE t.branch=$1 AND t.site=$2 AND t.device=$3 ORDER BY t.kind, t.camera
            """);
        cmd.Parameters.Add(new() { Value = d.Branch });
        cmd.Parameters.Add(new() { Value = d.Site });
        cmd.Parameters.Add(new() { Value = d.Device });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<(string, ModelKind, string, string, string, string, string)>();
        while (await r.ReadAsync(ct))
            rows.Add((r.GetString(0), ParseKind(r.GetString(1)), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6)));
        return rows;
    }

    public async Task UpsertReportAsync(ReportedModelState s, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            INSERT INTO model_device_reports (branch, site, device, rollout_id, state, models, last_error, time_utc) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
            ON CONFLICT (branch, site, device) DO UPDATE SET rollout_id=excluded.rollout_id, state=excluded.state, models=excluded.models,
                last_error=excluded.last_error, time_utc=excluded.time_utc
            WHERE model_device_reports.time_utc <= excluded.time_utc
            """);
        var models = string.Join(", ", s.Models.Select(m => $"{m.Name}@{m.Version} ({m.Health})"));
        foreach (var v in new object?[] { s.Branch, s.Site, s.Device, s.RolloutId, StateName(s.State), models, s.LastError, s.TimeUtc })
            cmd.Parameters.Add(new() { Value = v ?? DBNull.Value });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<DeviceModelStatus>> StatusAsync(ModelScope? scope, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            WITH d AS (SELECT branch, site, device FROM devices UNION SELECT branch, site, device FROM device_status
                       UNION SELECT branch, site, device FROM model_device_reports
                       UNION SELECT branch, site, device FROM model_device_targets)
            SELECT d.branch, d.site, d.device,
                   (SELECT string_agg(t.kind || '=' || t.name || '@' || t.version || CASE WHEN t.camera = '' THEN '' ELSE ' [' || t.camera || ']' END, ', ' ORDER BY t.kind, t.camera)
                      FROM model_device_targets t WHERE t.branch=d.branch AND t.site=d.site AND t.device=d.device),
                   r.models, r.state, r.last_error, r.time_utc
            FROM d LEFT JOIN model_device_reports r ON r.branch=d.branch AND r.site=d.site AND r.device=d.device
            ORDER BY 1, 2, 3
            """);
        await using var rd = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<DeviceModelStatus>();
        while (await rd.ReadAsync(ct))
        {
            var id = new DeviceId(rd.GetString(0), rd.GetString(1), rd.GetString(2));
            if (scope is not null && !scope.Covers(id)) continue;
            rows.Add(new DeviceModelStatus(id.ToString(),
                rd.IsDBNull(3) ? [] : rd.GetString(3).Split(", "),
                rd.IsDBNull(4) ? null : rd.GetString(4), rd.IsDBNull(5) ? null : rd.GetString(5),
                rd.IsDBNull(6) ? null : rd.GetString(6), rd.IsDBNull(7) ? null : rd.GetFieldValue<DateTimeOffset>(7)));
        }
        return rows;
    }

    /// <summary>Sets (or clears, with null) the canary deadline of a rollout.</summary>
    public async Task SetCanaryDeadlineAsync(string rolloutId, DateTimeOffset? deadline, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("UPDATE model_assignments SET canary_deadline_utc = $2 WHERE rollout_id = $1");
        cmd.Parameters.Add(new() { Value = rolloutId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = deadline is { } d ? d : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Active assignments whose canary deadline has passed: their rollout grains must decide.</summary>
    public async Task<IReadOnlyList<(ModelScope Scope, ModelKind Kind)>> OverdueCanariesAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT scope, kind FROM model_assignments WHERE state = 'active' AND canary_deadline_utc <= now()");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<(ModelScope, ModelKind)>();
        while (await r.ReadAsync(ct)) rows.Add((ModelScope.Parse(r.GetString(0)), ParseKind(r.GetString(1))));
        return rows;
    }

    /// <summary>Records how far one device got in a rollout; an older report never overwrites a newer one.</summary>
    public async Task UpsertRolloutProgressAsync(string rolloutId, string device, DeviceProgress progress, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            INSERT INTO model_rollout_progress (rollout_id, device, state, error, time_utc) VALUES ($1,$2,$3,$4,$5)
            ON CONFLICT (rollout_id, device) DO UPDATE SET state=excluded.state, error=excluded.error, time_utc=excluded.time_utc
            WHERE model_rollout_progress.time_utc <= excluded.time_utc
            """);
        foreach (var v in new object?[] { rolloutId, device, progress.State, progress.Error, progress.TimeUtc })
            cmd.Parameters.Add(new() { Value = v ?? DBNull.Value });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Every device of a rollout that has reported, by device.</summary>
    public async Task<Dictionary<string, DeviceProgress>> RolloutProgressAsync(string rolloutId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT device, state, error, time_utc FROM model_rollout_progress WHERE rollout_id = $1");
        cmd.Parameters.Add(new() { Value = rolloutId });
        await using var rd = await cmd.ExecuteReaderAsync(ct);
        var rows = new Dictionary<string, DeviceProgress>(StringComparer.Ordinal);
        while (await rd.ReadAsync(ct))
            rows[rd.GetString(0)] = new DeviceProgress(rd.GetString(1), rd.IsDBNull(2) ? null : rd.GetString(2), rd.GetFieldValue<DateTimeOffset>(3));
        return rows;
    }

    public async Task AuditAsync(string actor, string action, string details, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await AuditAsync(conn, null, actor, action, details, ct);
    }

    private static async Task AuditAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string actor, string action, string details, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("INSERT INTO model_audit (actor, action, details) VALUES ($1,$2,$3)", conn, tx);
        cmd.Parameters.Add(new() { Value = actor });
        cmd.Parameters.Add(new() { Value = action });
        cmd.Parameters.Add(new() { Value = details });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static string KindName(ModelKind kind) => kind.ToString().ToLowerInvariant();

    public static ModelKind ParseKind(string kind) => Enum.Parse<ModelKind>(kind, ignoreCase: true);

    public static string StateName(ModelApplyState s) => s.ToString().ToLowerInvariant();
}
