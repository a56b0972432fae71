using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;

namespace VideoAnalytics.Cloud.Ingest;

/// <summary>
/// Turns inbox rows into work for the grains: assembles clips whose chunks are all present, hands complete clips,
/// gate events and statuses to <see cref="IClipDispatcher"/>, and gives up on clips that stopped arriving (marked
/// incomplete, logged, counted). Rows are claimed with <c>FOR UPDATE SKIP LOCKED</c> and a lease, and marked done only
/// after the dispatcher returned, so rows a dead silo was working on are picked up again when the lease ends.
/// </summary>
internal sealed class IngestWorker(
    NpgsqlDataSource dataSource,
    ClipAssembler assembler,
    IClipDispatcher dispatcher,
    IngestCounters counters,
    IngestSignal signal,
    IOptions<IngestOptions> options,
    ILogger<IngestWorker> logger) : BackgroundService
{
    private readonly IngestOptions _o = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextSweep = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var worked = await AssembleReadyClipsAsync(stoppingToken);
                worked |= await DispatchCompleteClipsAsync(stoppingToken);
                worked |= await DispatchInboxAsync(stoppingToken);
                if (DateTimeOffset.UtcNow >= nextSweep)
                {
                    await GiveUpOnStalledClipsAsync(stoppingToken);
                    nextSweep = DateTimeOffset.UtcNow.AddSeconds(Math.Max(1, Math.Min(10, _o.ClipTimeoutSeconds / 4)));
                }
                if (!worked) await signal.WaitAsync(TimeSpan.FromMilliseconds(_o.PollIntervalMilliseconds), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Ingest worker failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
        }
    }

    private async Task<bool> AssembleReadyClipsAsync(CancellationToken ct)
    {
        var claimed = await ClaimClipsAsync(
            "state = 'receiving' AND manifest IS NOT NULL AND chunks_received >= chunk_count", ct);
        await Parallel.ForEachAsync(claimed, Parallelism(ct), async (manifest, token) =>
        {
            var failure = await assembler.AssembleAsync(manifest, token);
            if (failure is not null)
            {
                await FinishClipAsync(manifest.ClipId, "incomplete", failure, token);
                counters.CountClipIncomplete();
                logger.LogWarning("Clip {ClipId} of {Branch}/{Site}/{Device}/{Camera} is incomplete: {Reason}",
                    manifest.ClipId, manifest.Branch, manifest.Site, manifest.Device, manifest.Camera, failure);
                return;
            }
            await FinishClipAsync(manifest.ClipId, "complete", null, token);
            counters.CountClipCompleted();
            await DispatchClipAsync(manifest, token);
        });
        return claimed.Count > 0;
    }

    private async Task<bool> DispatchCompleteClipsAsync(CancellationToken ct)
    {
        var claimed = await ClaimClipsAsync("state = 'complete'", ct);
        await Parallel.ForEachAsync(claimed, Parallelism(ct), async (manifest, token) => await DispatchClipAsync(manifest, token));
        return claimed.Count > 0;
    }

    private async Task DispatchClipAsync(ClipManifest manifest, CancellationToken ct)
    {
        try
        {
            await dispatcher.DispatchClipAsync(manifest, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The lease runs out and the clip is dispatched again.
            logger.LogWarning("Dispatch of clip {ClipId} failed ({Error}); retrying after the lease", manifest.ClipId, e.Message);
            await ExecuteAsync("UPDATE clips SET reason = @reason WHERE clip_id = @id", ct, ("id", manifest.ClipId), ("reason", Truncate(e.Message)));
            return;
        }
        await ExecuteAsync("""
            UPDATE clips SET state = 'dispatched', dispatched_utc = clock_timestamp(), lease_until = NULL, updated_utc = clock_timestamp()
            WHERE clip_id = @id AND state = 'complete'
            """, ct, ("id", manifest.ClipId));
        counters.CountClipDispatched();
    }

    private async Task FinishClipAsync(string clipId, string state, string? reason, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(conn, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("""
                    UPDATE clips SET state = @state, reason = @reason, updated_utc = clock_timestamp(),
                        lease_until = CASE WHEN @state = 'complete' THEN lease_until END, -- kept while it is dispatched
                        completed_utc = CASE WHEN @state = 'complete' THEN clock_timestamp() END,
                        blob_key = CASE WHEN @state = 'complete' THEN @key END
                    WHERE clip_id = @id
                    """)
                {
                    Parameters =
                    {
                        new("id", clipId), new("state", state), new("reason", (object?)reason ?? DBNull.Value), new("key", ClipStoreKeys.Clip(clipId)),
                    },
                },
                new NpgsqlBatchCommand("DELETE FROM clip_chunks WHERE clip_id = @id") { Parameters = { new("id", clipId) } },
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    private async Task<List<ClipManifest>> ClaimClipsAsync(string condition, CancellationToken ct)
    {
        var sql = $"""
            UPDATE clips SET lease_until = clock_timestamp() + make_interval(secs => @lease), attempts = attempts + 1
            WHERE clip_id IN (
                SELECT clip_id FROM clips
                WHERE {condition} AND (lease_until IS NULL OR lease_until < clock_timestamp())
                ORDER BY updated_utc LIMIT @n FOR UPDATE SKIP LOCKED)
            RETURNING clip_id, manifest::text
            """;
        var claimed = new List<ClipManifest>();
        await using var cmd = dataSource.CreateCommand(sql);
        cmd.Parameters.AddWithValue("lease", (double)_o.LeaseSeconds);
        cmd.Parameters.AddWithValue("n", _o.DispatchBatchSize);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var manifest = JsonSerializer.Deserialize(reader.GetString(1), ContractJsonContext.Default.ClipManifest);
            if (manifest is not null) claimed.Add(manifest);
        }
        return claimed;
    }

    private async Task<bool> DispatchInboxAsync(CancellationToken ct)
    {
        var rows = new List<(string Key, string Kind, string Payload)>();
        await using (var cmd = dataSource.CreateCommand("""
            UPDATE ingest_inbox SET lease_until = clock_timestamp() + make_interval(secs => @lease), attempts = attempts + 1
            WHERE message_key IN (
                SELECT message_key FROM ingest_inbox
                WHERE state = 'pending' AND (lease_until IS NULL OR lease_until < clock_timestamp())
                ORDER BY received_utc LIMIT @n FOR UPDATE SKIP LOCKED)
            RETURNING message_key, kind, payload::text
            """))
        {
            cmd.Parameters.AddWithValue("lease", (double)_o.LeaseSeconds);
            cmd.Parameters.AddWithValue("n", _o.DispatchBatchSize * 4);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }
        if (rows.Count == 0) return false;

        var done = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(rows, Parallelism(ct), async (row, token) =>
        {
            try
            {
                if (row.Kind == "event")
                    await dispatcher.DispatchGateEventAsync(JsonSerializer.Deserialize(row.Payload, ContractJsonContext.Default.GateEvent)!, token);
                else
                    await dispatcher.DispatchStatusAsync(JsonSerializer.Deserialize(row.Payload, ContractJsonContext.Default.DeviceStatus)!, token);
                done.Add(row.Key);
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                logger.LogWarning("Dispatch of {Key} failed ({Error}); retrying after the lease", row.Key, e.Message);
                await ExecuteAsync("UPDATE ingest_inbox SET last_error = @e WHERE message_key = @k", token, ("k", row.Key), ("e", Truncate(e.Message)));
            }
        });
        if (!done.IsEmpty)
        {
            await ExecuteAsync("""
                UPDATE ingest_inbox SET state = 'done', done_utc = clock_timestamp(), lease_until = NULL WHERE message_key = ANY(@keys)
                """, ct, ("keys", done.ToArray()));
            counters.CountInboxDispatched(done.Count);
        }
        return true;
    }

    private async Task GiveUpOnStalledClipsAsync(CancellationToken ct)
    {
        var stalled = new List<(string ClipId, string Device, string Reason)>();
        await using (var cmd = dataSource.CreateCommand("""
            WITH s AS (
                UPDATE clips SET state = 'incomplete', lease_until = NULL, updated_utc = clock_timestamp(),
                    reason = CASE WHEN manifest IS NULL THEN format('no manifest; %s chunks after %s s', chunks_received, @timeout)
                                  ELSE format('%s of %s chunks after %s s', chunks_received, chunk_count, @timeout) END
                WHERE state = 'receiving' AND updated_utc < clock_timestamp() - make_interval(secs => @timeout)
                  AND (lease_until IS NULL OR lease_until < clock_timestamp())
                RETURNING clip_id, branch || '/' || site || '/' || device AS device, reason),
            d AS (DELETE FROM clip_chunks WHERE clip_id IN (SELECT clip_id FROM s))
            SELECT clip_id, device, reason FROM s
            """))
        {
            cmd.Parameters.AddWithValue("timeout", _o.ClipTimeoutSeconds);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) stalled.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }
        foreach (var (clipId, device, reason) in stalled)
        {
            counters.CountClipIncomplete();
            logger.LogWarning("Clip {ClipId} of {Device} is incomplete: {Reason}", clipId, device, reason);
        }
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var cmd = dataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private ParallelOptions Parallelism(CancellationToken ct) => new() { MaxDegreeOfParallelism = _o.DispatchConcurrency, CancellationToken = ct };

    private static string Truncate(string s) => s.Length > 500 ? s[..500] : s;
}

/// <summary>Wakes the worker when the writers committed something, so it need not wait for the next poll.</summary>
internal sealed class IngestSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Set()
    {
        try
        {
            if (_signal.CurrentCount == 0) _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already set.
        }
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct) => await _signal.WaitAsync(timeout, ct);
}
