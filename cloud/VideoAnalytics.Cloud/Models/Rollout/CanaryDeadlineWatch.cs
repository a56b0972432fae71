using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace VideoAnalytics.Cloud.Models.Rollout;

/// <summary>
/// Wakes rollout grains whose canary deadline passed while no silo had them active (a restart, a failover): activation
/// arms the grain's timer, which fires at once for a passed deadline. Without it such a rollout would wait for the
/// next device report, and a canary of offline devices never sends one.
/// </summary>
public sealed class CanaryDeadlineWatch(
    ModelRegistryStore store, IGrainFactory grains, IOptions<ModelRegistryOptions> options, ILogger<CanaryDeadlineWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CanaryWatchInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    foreach (var (scope, kind) in await store.OverdueCanariesAsync(stoppingToken))
                    {
                        logger.LogInformation("Canary deadline of {Scope}/{Kind} has passed; waking its rollout", scope, kind);
                        await grains.GetGrain<IRolloutGrain>(IRolloutGrain.KeyOf(scope, ModelRegistryStore.KindName(kind))).GetAsync();
                    }
                }
                catch (Exception e) when (e is NpgsqlException or OrleansException or TimeoutException)
                {
                    logger.LogWarning("Canary deadline watch failed this round ({Error}); trying again", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
