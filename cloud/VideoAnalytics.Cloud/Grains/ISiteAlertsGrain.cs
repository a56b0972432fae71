using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Grains;

/// <summary>The alerts of one site, keyed <c>branch/site</c> (<see cref="KeyOf"/>): merges evidence into incidents and applies staff actions.</summary>
public interface ISiteAlertsGrain : IGrainWithStringKey
{
    Task RecordJudgmentAsync(ClipEvidence clip, Judgment judgment);

    /// <summary>The judge could not be reached: the clip's incident is raised unverified rather than lost.</summary>
    Task RecordUnjudgedClipAsync(ClipEvidence clip, string reason);

    Task RecordGateEventAsync(GateEvent gateEvent);

    Task<AlertActionResult> ActAsync(string alertId, AlertAction action, string actor, string? note);

    Task<IReadOnlyList<Alert>> GetOpenAsync();

    static string KeyOf(string branch, string site) => $"{branch}/{site}";
}
