using Orleans.Concurrency;
using VideoAnalytics.Cloud.Judging;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Grains;

/// <summary>
/// Runs the judge on the silo it is called from (a stateless worker is always local). Reentrant: concurrency is bounded
/// by the silo's <see cref="JudgeRunner"/>, whose queue length the cluster API shows.
/// </summary>
[StatelessWorker]
[Reentrant]
[GrainType("judge-worker")]
public sealed class JudgeWorker(JudgeRunner runner) : Grain, IJudgeWorker
{
    public Task<JudgeOutcome> JudgeAsync(ClipManifest manifest, string question) => runner.RunAsync(manifest, question, CancellationToken.None);
}
