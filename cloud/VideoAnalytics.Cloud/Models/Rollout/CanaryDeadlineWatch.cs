using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace VideoAnalytics.Cloud.Models.Rollout;

/// <summary>
/// Asks rollout grains whose canary deadline has passed to decide: those no silo had active (a restart, a failover)
/// have no timer any more, and a canary of offline devices never sends the report that would activate them.
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
                        await grains.GetGrain<IRolloutGrain>(IRolloutGrain.KeyOf(scope, ModelRegistryStore.KindName(kind))).CheckCanaryDeadlineAsync();
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
