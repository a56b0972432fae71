using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Alerts;

/// <summary>
/// In-process live feed of alert changes on this silo host (new, merged, state changed), for the console's live
/// list. Each silo host publishes what its grains change; subscribers filter by branch/site.
/// </summary>
public interface IAlertFeed
{
    void Publish(Alert alert);

    /// <summary>Yields alert changes until <paramref name="ct"/> is cancelled. Slow readers drop the oldest changes.</summary>
    IAsyncEnumerable<Alert> SubscribeAsync(CancellationToken ct);
}
