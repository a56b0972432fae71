using Npgsql;
using NpgsqlTypes;

namespace VideoAnalytics.Cloud.Ingest;

/// <summary>
/// Writes a batch of validated messages to the Postgres inbox in one transaction (one round trip), idempotent on
/// message id, clip id and chunk index, so a redelivered message changes nothing.
/// </summary>
internal sealed class InboxWriter(NpgsqlDataSource dataSource)
{
    public async Task WriteAsync(IReadOnlyList<IngestItem> items, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(conn, tx);
        AddTrackBatches(batch, items.OfType<TrackBatchItem>().ToList());
        AddInbox(batch, items);
        AddModelsReported(batch, items.OfType<ModelsReportedItem>().ToList());
        AddManifests(batch, items.OfType<ClipManifestItem>().DistinctBy(m => m.Manifest.ClipId).OrderBy(m => m.Manifest.ClipId, StringComparer.Ordinal).ToList());
        AddChunks(batch, items.OfType<ClipChunkItem>().DistinctBy(c => (c.Header.ClipId, c.Header.Index)).ToList());
        if (batch.BatchCommands.Count == 0) return;
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    private static void AddTrackBatches(NpgsqlBatch batch, List<TrackBatchItem> items)
    {
        if (items.Count == 0) return;
        var cmd = new NpgsqlBatchCommand("""
            INSERT INTO track_batches (message_id, branch, site, device, camera, sequence, time_utc, record_count, payload)
            SELECT id, b, s, d, c, seq, t, n, p::jsonb
            FROM unnest(@id, @b, @s, @d, @c, @seq, @t, @n, @p) AS x(id, b, s, d, c, seq, t, n, p)
            ON CONFLICT (message_id) DO NOTHING
            """);
        cmd.Parameters.Add(Text("id", items.Select(i => i.Batch.MessageId)));
        cmd.Parameters.Add(Text("b", items.Select(i => i.Batch.Branch)));
        cmd.Parameters.Add(Text("s", items.Select(i => i.Batch.Site)));
        cmd.Parameters.Add(Text("d", items.Select(i => i.Batch.Device)));
        cmd.Parameters.Add(Text("c", items.Select(i => i.Batch.Camera)));
        cmd.Parameters.Add(new NpgsqlParameter<long[]>("seq", items.Select(i => i.Batch.Sequence).ToArray()));
        cmd.Parameters.Add(Times("t", items.Select(i => i.Batch.TimeUtc)));
        cmd.Parameters.Add(new NpgsqlParameter<int[]>("n", items.Select(i => i.Batch.Records.Count).ToArray()));
        cmd.Parameters.Add(Text("p", items.Select(i => i.Json)));
        batch.BatchCommands.Add(cmd);
    }

    private static void AddInbox(NpgsqlBatch batch, IReadOnlyList<IngestItem> items)
    {
        var rows = items.Select(i => i switch
        {
            GateEventItem e => new InboxRow($"event:{e.Device}:{e.Event.EventId}", "event", e.Event.Branch, e.Event.Site, e.Event.Device, e.Event.Camera, e.Json, e.Event.TimeUtc),
            StatusItem s => new InboxRow($"status:{s.Device}:{s.Status.TimeUtc.UtcTicks}", "status", s.Status.Branch, s.Status.Site, s.Status.Device, null, s.Json, s.Status.TimeUtc),
            _ => null,
        }).OfType<InboxRow>().ToList();
        if (rows.Count == 0) return;
        var cmd = new NpgsqlBatchCommand("""
            INSERT INTO ingest_inbox (message_key, kind, branch, site, device, camera, payload, time_utc)
            SELECT k, kind, b, s, d, c, p::jsonb, t
            FROM unnest(@k, @kind, @b, @s, @d, @c, @p, @t) AS x(k, kind, b, s, d, c, p, t)
            ON CONFLICT (message_key) DO NOTHING
            """);
        cmd.Parameters.Add(Text("k", rows.Select(r => r.Key)));
        cmd.Parameters.Add(Text("kind", rows.Select(r => r.Kind)));
        cmd.Parameters.Add(Text("b", rows.Select(r => r.Branch)));
        cmd.Parameters.Add(Text("s", rows.Select(r => r.Site)));
        cmd.Parameters.Add(Text("d", rows.Select(r => r.Device)));
        cmd.Parameters.Add(Text("c", rows.Select(r => r.Camera)));
        cmd.Parameters.Add(Text("p", rows.Select(r => r.Json)));
        cmd.Parameters.Add(Times("t", rows.Select(r => r.Time)));
        batch.BatchCommands.Add(cmd);
    }

    private static void AddModelsReported(NpgsqlBatch batch, List<ModelsReportedItem> items)
    {
        // Newest per device: one upsert may not touch a row twice.
        var latest = items.GroupBy(i => i.Device).Select(g => g.MaxBy(i => i.Reported.TimeUtc)!).ToList();
        if (latest.Count == 0) return;
        var cmd = new NpgsqlBatchCommand("""
            INSERT INTO device_models_reported (branch, site, device, payload, time_utc)
            SELECT b, s, d, p::jsonb, t FROM unnest(@b, @s, @d, @p, @t) AS x(b, s, d, p, t)
            ON CONFLICT (branch, site, device) DO UPDATE
              SET payload = EXCLUDED.payload, time_utc = EXCLUDED.time_utc, received_utc = clock_timestamp()
              WHERE device_models_reported.time_utc < EXCLUDED.time_utc
            """);
        cmd.Parameters.Add(Text("b", latest.Select(r => r.Reported.Branch)));
        cmd.Parameters.Add(Text("s", latest.Select(r => r.Reported.Site)));
        cmd.Parameters.Add(Text("d", latest.Select(r => r.Reported.Device)));
        cmd.Parameters.Add(Text("p", latest.Select(r => r.Json)));
        cmd.Parameters.Add(Times("t", latest.Select(r => r.Reported.TimeUtc)));
        batch.BatchCommands.Add(cmd);
    }

    private static void AddManifests(NpgsqlBatch batch, List<ClipManifestItem> items)
    {
        if (items.Count == 0) return;
        // The row may exist already, made by chunks that overtook their manifest; only a row of the same device
        // that is still receiving and has no manifest takes it.
        var cmd = new NpgsqlBatchCommand("""
            INSERT INTO clips (clip_id, branch, site, device, camera, manifest, sha256, total_bytes, chunk_count)
            SELECT id, b, s, d, c, m::jsonb, sha, tb, cc
            FROM unnest(@id, @b, @s, @d, @c, @m, @sha, @tb, @cc) AS x(id, b, s, d, c, m, sha, tb, cc)
            ORDER BY id
            ON CONFLICT (clip_id) DO UPDATE
              SET manifest = EXCLUDED.manifest, sha256 = EXCLUDED.sha256, total_bytes = EXCLUDED.total_bytes,
                  chunk_count = EXCLUDED.chunk_count, updated_utc = clock_timestamp()
              WHERE clips.manifest IS NULL AND clips.state = 'receiving' AND clips.branch = EXCLUDED.branch
                AND clips.site = EXCLUDED.site AND clips.device = EXCLUDED.device AND clips.camera = EXCLUDED.camera
            """);
        cmd.Parameters.Add(Text("id", items.Select(i => i.Manifest.ClipId)));
        cmd.Parameters.Add(Text("b", items.Select(i => i.Manifest.Branch)));
        cmd.Parameters.Add(Text("s", items.Select(i => i.Manifest.Site)));
        cmd.Parameters.Add(Text("d", items.Select(i => i.Manifest.Device)));
        cmd.Parameters.Add(Text("c", items.Select(i => i.Manifest.Camera)));
        cmd.Parameters.Add(Text("m", items.Select(i => i.Json)));
        cmd.Parameters.Add(Text("sha", items.Select(i => i.Manifest.Sha256)));
        cmd.Parameters.Add(new NpgsqlParameter<long[]>("tb", items.Select(i => i.Manifest.TotalBytes).ToArray()));
        cmd.Parameters.Add(new NpgsqlParameter<int[]>("cc", items.Select(i => i.Manifest.ChunkCount).ToArray()));
        batch.BatchCommands.Add(cmd);
    }

    private static void AddChunks(NpgsqlBatch batch, List<ClipChunkItem> items)
    {
        if (items.Count == 0) return;
        // Chunks of a clip that is already assembled (a late redelivery) are ignored; the clip row counts the chunks
        // that were new, so redeliveries do not inflate it.
        var cmd = new NpgsqlBatchCommand("""
            WITH c AS (
                SELECT * FROM unnest(@id, @i, @sha, @data, @n, @b, @s, @d, @cam) AS x(clip_id, chunk_index, sha256, data, chunk_count, branch, site, device, camera)
                WHERE NOT EXISTS (SELECT 1 FROM clips k WHERE k.clip_id = x.clip_id AND k.state <> 'receiving')),
            ins AS (
                INSERT INTO clip_chunks (clip_id, chunk_index, sha256, data)
                SELECT clip_id, chunk_index, sha256, data FROM c
                ON CONFLICT (clip_id, chunk_index) DO NOTHING
                RETURNING clip_id),
            counts AS (SELECT clip_id, count(*)::int AS n FROM ins GROUP BY clip_id)
            INSERT INTO clips AS k (clip_id, branch, site, device, camera, chunk_count, chunks_received)
            SELECT DISTINCT ON (c.clip_id) c.clip_id, c.branch, c.site, c.device, c.camera, c.chunk_count, coalesce(counts.n, 0)
            FROM c LEFT JOIN counts ON counts.clip_id = c.clip_id
            ORDER BY c.clip_id
            ON CONFLICT (clip_id) DO UPDATE
              SET chunks_received = k.chunks_received + EXCLUDED.chunks_received, updated_utc = clock_timestamp()
              WHERE k.state = 'receiving'
            """);
        cmd.Parameters.Add(Text("id", items.Select(i => i.Header.ClipId)));
        cmd.Parameters.Add(new NpgsqlParameter<int[]>("i", items.Select(i => i.Header.Index).ToArray()));
        cmd.Parameters.Add(Text("sha", items.Select(i => i.Header.Sha256)));
        cmd.Parameters.Add(new NpgsqlParameter<byte[][]>("data", items.Select(i => i.Data).ToArray()) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new NpgsqlParameter<int[]>("n", items.Select(i => i.Header.Count).ToArray()));
        cmd.Parameters.Add(Text("b", items.Select(i => i.Branch)));
        cmd.Parameters.Add(Text("s", items.Select(i => i.Site)));
        cmd.Parameters.Add(Text("d", items.Select(i => i.DeviceSlug)));
        cmd.Parameters.Add(Text("cam", items.Select(i => i.Camera)));
        batch.BatchCommands.Add(cmd);
    }

    private static NpgsqlParameter Text(string name, IEnumerable<string?> values) =>
        new NpgsqlParameter<string?[]>(name, values.ToArray()) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static NpgsqlParameter Times(string name, IEnumerable<DateTimeOffset> values) =>
        new NpgsqlParameter<DateTime[]>(name, values.Select(v => v.UtcDateTime).ToArray()) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };

    private sealed record InboxRow(string Key, string Kind, string Branch, string Site, string Device, string? Camera, string Json, DateTimeOffset Time);
}
