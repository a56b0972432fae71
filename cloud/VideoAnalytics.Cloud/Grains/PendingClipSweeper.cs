using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using VideoAnalytics.Cloud.Judging;

namespace VideoAnalytics.Cloud.Grains;

/// <summary>
/// Finds clips still pending past their lease or backoff (their silo died, or the judge was down while the grain was
/// deactivated) and wakes their grain, which reactivates on a live silo and judges them. Any silo may do it: the clip
/// grain is a single activation and judges a clip only while it is pending.
/// </summary>
public sealed class PendingClipSweeper(
    NpgsqlDataSource dataSource, IGrainFactory grains, IOptions<ClusterOptions> cluster, IOptions<JudgeOptions> options,
    ILogger<PendingClipSweeper> logger) : BackgroundService
{
    private const int MaxPerSweep = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await timer.WaitForNextTickAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                var due = await DueClipsAsync(stoppingToken);
                foreach (var clipId in due) _ = grains.GetGrain<IClipGrain>(IClipGrain.KeyOf(clipId)).ResumeAsync();
                if (due.Count > 0) logger.LogInformation("Woke {Count} clip(s) waiting for a judge", due.Count);
            }
            catch (Exception e) when (e is NpgsqlException or OrleansException or TimeoutException)
            {
                logger.LogWarning("Pending clip sweep failed: {Error}", e.Message);
            }
        }
    }

    public async Task<IReadOnlyList<string>> DueClipsAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            """
            SELECT grain_id FROM orleans_grain_state
            WHERE service_id = @s AND state_name = 'clip' AND state ->> 'status' = 'pending'
              AND (state ->> 'nextAttemptUtc')::timestamptz <= now()
            ORDER BY (state ->> 'nextAttemptUtc') LIMIT @n
            """);
        cmd.Parameters.AddWithValue("s", cluster.Value.ServiceId);
        cmd.Parameters.AddWithValue("n", MaxPerSweep);
        var ids = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            // GrainId text is "type/key".
            var grainId = r.GetString(0);
            ids.Add(grainId[(grainId.IndexOf('/') + 1)..]);
        }
        return ids;
    }
}
