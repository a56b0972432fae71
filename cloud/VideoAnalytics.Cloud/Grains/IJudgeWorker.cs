using VideoAnalytics.Cloud.Judging;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Grains;

/// <summary>Runs the configured judge with bounded concurrency on the silo it is called from.</summary>
public interface IJudgeWorker : IGrainWithIntegerKey
{
    Task<JudgeOutcome> JudgeAsync(ClipManifest manifest, string question);

    /// <summary>One key: a stateless worker has an activation on every silo that calls it, so the key does not spread load.</summary>
    static long KeyOf() => 0;
}
