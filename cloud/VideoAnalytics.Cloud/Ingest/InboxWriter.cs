using Npgsql;
using NpgsqlTypes;

namespace VideoAnalytics.Cloud.Ingest;

/// <summary>
/// Writes a batch of validated messages to the Postgres inbox in one transaction, idempotent on message id, clip id and
/// chunk index, so a redelivered message changes nothing. A clip id belongs to the camera whose message first used it:
/// manifests and chunks of that id from any other device or camera are refused and returned to the caller.
/// </summary>
internal sealed class InboxWriter(NpgsqlDataSource dataSource)
{
    /// <summary>Commits <paramref name="items"/>; returns the clip messages refused because their clip id belongs to another camera, and why.</summary>
    public async Task<IReadOnlyDictionary<IngestItem, IngestRejection>> WriteAsync(IReadOnlyList<IngestItem> items, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var clipItems = items.Where(i => i is ClipManifestItem or ClipChunkItem).Select(ClipMessage.Of).ToList();
        var refused = clipItems.Count == 0 ? new Dictionary<IngestItem, IngestRejection>() : await ClaimClipIdsAsync(conn, tx, clipItems, ct);
        await using var batch = new NpgsqlBatch(conn, tx);
        AddTrackBatches(batch, items.OfType<TrackBatchItem>().ToList());
        AddInbox(batch, items);
        AddModelsReported(batch, items.OfType<ModelsReportedItem>().ToList());
        var owned = refused.Count == 0 ? items : items.Where(i => !refused.ContainsKey(i)).ToList();
        AddManifests(batch, owned.OfType<ClipManifestItem>().DistinctBy(m => m.Manifest.ClipId).OrderBy(m => m.Manifest.ClipId, StringComparer.Ordinal).ToList());
        AddChunks(batch, owned.OfType<ClipChunkItem>().DistinctBy(c => (c.Header.ClipId, c.Header.Index)).ToList());
        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return refused;
    }

    /// <summary>
    /// Binds each new clip id to the camera of its first message (a row in <c>clips</c>) and returns the messages whose
    /// camera is not the owner. One statement locks every clip row of the batch in id order, new or not, so concurrent
    /// writers wait for each other instead of deadlocking, and the manifests and chunks after it touch only rows it holds.
    /// </summary>
    private static async Task<Dictionary<IngestItem, IngestRejection>> ClaimClipIdsAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, List<ClipMessage> messages, CancellationToken ct)
    {
        await using var claim = new NpgsqlCommand("""
            INSERT INTO clips AS k (clip_id, branch, site, device, camera, chunk_count)
            SELECT DISTINCT ON (id) id, b, s, d, c, n FROM unnest(@id, @b, @s, @d, @c, @n) AS x(id, b, s, d, c, n)
            ORDER BY id
            ON CONFLICT (clip_id) DO UPDATE SET chunk_count = k.chunk_count
            RETURNING k.clip_id, k.branch, k.site, k.device, k.camera
            """, conn, tx);
        claim.Parameters.Add(Text("id", messages.Select(m => m.ClipId)));
        claim.Parameters.Add(Text("b", messages.Select(m => m.Branch)));
        claim.Parameters.Add(Text("s", messages.Select(m => m.Site)));
        claim.Parameters.Add(Text("d", messages.Select(m => m.DeviceSlug)));
        claim.Parameters.Add(Text("c", messages.Select(m => m.Camera)));
        claim.Parameters.Add(new NpgsqlParameter<int[]>("n", messages.Select(m => m.ChunkCount).ToArray()));
        var owners = new Dictionary<string, (string Branch, string Site, string Device, string Camera)>(StringComparer.Ordinal);
        await using (var reader = await claim.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) owners[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4));
        }
        var refused = new Dictionary<IngestItem, IngestRejection>(ReferenceEqualityComparer.Instance);
        foreach (var m in messages)
        {
            var owner = owners[m.ClipId];
            if (owner == (m.Branch, m.Site, m.DeviceSlug, m.Camera)) continue;
            refused[m.Item] = new IngestRejection(m.Item.Device, RejectReasons.ClipOwner,
                $"clip {m.ClipId} belongs to {owner.Branch}/{owner.Site}/{owner.Device}/{owner.Camera}, not to camera {m.Camera} of {m.Item.Device}");
        }
        return refused;
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
        // The row exists (claimed just before, or made by chunks that overtook their manifest); only a row of the same
        // camera that is still receiving and has no manifest takes it.
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
        // Chunks of a clip that is already assembled (a late redelivery) are ignored, and so are those of another camera
        // (refused before, checked again here); the clip row counts the chunks that were new, so redeliveries do not inflate it.
        var cmd = new NpgsqlBatchCommand("""
            WITH c AS (
                SELECT * FROM unnest(@id, @i, @sha, @data, @n, @b, @s, @d, @cam) AS x(clip_id, chunk_index, sha256, data, chunk_count, branch, site, device, camera)
                WHERE EXISTS (SELECT 1 FROM clips k WHERE k.clip_id = x.clip_id AND k.state = 'receiving' AND k.branch = x.branch
                                AND k.site = x.site AND k.device = x.device AND k.camera = x.camera)),
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

    /// <summary>The clip id, camera and chunk count of a manifest or chunk, whichever it is.</summary>
    private sealed record ClipMessage(IngestItem Item, string ClipId, string Branch, string Site, string DeviceSlug, string Camera, int ChunkCount)
    {
        public static ClipMessage Of(IngestItem item) => item switch
        {
            ClipManifestItem m => new(item, m.Manifest.ClipId, m.Manifest.Branch, m.Manifest.Site, m.Manifest.Device, m.Manifest.Camera, m.Manifest.ChunkCount),
            ClipChunkItem c => new(item, c.Header.ClipId, c.Branch, c.Site, c.DeviceSlug, c.Camera, c.Header.Count),
            _ => throw new ArgumentException($"{item.GetType().Name} is not a clip message", nameof(item)),
        };
    }

    private sealed record InboxRow(string Key, string Kind, string Branch, string Site, string Device, string? Camera, string Json, DateTimeOffset Time);
}
