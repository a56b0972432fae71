using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Grains;

/// <summary>One edge agent, keyed <c>branch/site/device</c>: status, health, versions, last seen.</summary>
public interface IDeviceGrain : IGrainWithStringKey
{
    Task ReportStatusAsync(DeviceStatus status);

    Task<DeviceView> GetAsync();
}

/// <summary>One camera, keyed <c>branch/site/device/camera</c>: health from its device's status, last gate event.</summary>
public interface ICameraGrain : IGrainWithStringKey
{
    Task ReportHealthAsync(CameraHealth health, DateTimeOffset timeUtc);

    Task RecordGateEventAsync(GateEvent gateEvent);

    Task<CameraView> GetAsync();
}

/// <summary>One clip, keyed by clip id: judged exactly once, outcome persisted; repeated submissions are no-ops.</summary>
public interface IClipGrain : IGrainWithStringKey
{
    /// <summary>Records the clip as waiting (durably) and starts judging it; returns once the clip is safe.</summary>
    Task<ClipView> SubmitAsync(ClipManifest manifest);

    /// <summary>Judges the clip now if it is still waiting (sent by itself and by the sweeper; callers do not wait).</summary>
    [Orleans.Concurrency.OneWay]
    Task ResumeAsync();

    Task<ClipView> GetAsync();
}

/// <summary>Runs the configured judge with bounded concurrency on the silo it is called from.</summary>
public interface IJudgeWorker : IGrainWithIntegerKey
{
    Task<JudgeOutcome> JudgeAsync(ClipManifest manifest, string question);
}

/// <summary>The alerts of one site, keyed <c>branch/site</c>: merges evidence into incidents and applies staff actions.</summary>
public interface ISiteAlertsGrain : IGrainWithStringKey
{
    Task RecordJudgmentAsync(ClipEvidence clip, Judgment judgment);

    /// <summary>The judge could not be reached: the clip's incident is raised unverified rather than lost.</summary>
    Task RecordUnjudgedClipAsync(ClipEvidence clip, string reason);

    Task RecordGateEventAsync(GateEvent gateEvent);

    Task<AlertActionResult> ActAsync(string alertId, AlertAction action, string actor, string? note);

    Task<IReadOnlyList<Alert>> GetOpenAsync();
}

/// <summary>A branch's roll-up over its sites: devices online, open alerts.</summary>
public interface IBranchGrain : IGrainWithStringKey
{
    Task ReportDeviceAsync(string site, string device, bool online);

    Task ReportOpenAlertsAsync(string site, int openAlerts);

    Task<BranchView> GetAsync();
}

[GenerateSerializer]
public sealed record DeviceView(
    [property: Id(0)] string Branch, [property: Id(1)] string Site, [property: Id(2)] string Device,
    [property: Id(3)] string State, [property: Id(4)] DateTimeOffset? LastSeenUtc, [property: Id(5)] string Health,
    [property: Id(6)] string AgentVersion, [property: Id(7)] IReadOnlyDictionary<string, string> ModelVersions,
    [property: Id(8)] IReadOnlyList<string> Cameras, [property: Id(9)] string Silo);

[GenerateSerializer]
public sealed record CameraView(
    [property: Id(0)] string CameraKey, [property: Id(1)] string State, [property: Id(2)] double Fps,
    [property: Id(3)] DateTimeOffset? LastFrameUtc, [property: Id(4)] string? LastError,
    [property: Id(5)] string? LastGateRule, [property: Id(6)] string? LastGateDecision, [property: Id(7)] double? LastGateScore,
    [property: Id(8)] DateTimeOffset? LastGateUtc, [property: Id(9)] string Silo);

[GenerateSerializer]
public sealed record ClipView(
    [property: Id(0)] string ClipId, [property: Id(1)] string Status, [property: Id(2)] int Attempts,
    [property: Id(3)] Judgment? Judgment, [property: Id(4)] string? LastError, [property: Id(5)] DateTimeOffset? NextAttemptUtc,
    [property: Id(6)] string Silo);

[GenerateSerializer]
public sealed record BranchView(
    [property: Id(0)] string Branch, [property: Id(1)] IReadOnlyList<SiteRollup> Sites,
    [property: Id(2)] int DevicesOnline, [property: Id(3)] int OpenAlerts);

[GenerateSerializer]
public sealed record SiteRollup(
    [property: Id(0)] string Site, [property: Id(1)] int DevicesOnline, [property: Id(2)] int DevicesKnown, [property: Id(3)] int OpenAlerts);

/// <summary>What a judge run produced: a judgment, or why the judge backend could not give one.</summary>
[GenerateSerializer]
public sealed record JudgeOutcome([property: Id(0)] Judgment? Judgment, [property: Id(1)] string? Error);

/// <summary>A clip as evidence of an incident: ids, when, its keyframes and what the edge measured.</summary>
[GenerateSerializer]
public sealed record ClipEvidence(
    [property: Id(0)] string ClipId, [property: Id(1)] string Device, [property: Id(2)] string Camera, [property: Id(3)] string Rule,
    [property: Id(4)] DateTimeOffset TimeUtc, [property: Id(5)] double GateScore, [property: Id(6)] IReadOnlyList<string> KeyframeKeys,
    [property: Id(7)] IReadOnlyDictionary<string, float> Features, [property: Id(8)] float[]? SceneEmbedding);

[GenerateSerializer]
public enum AlertAction { Acknowledge, Confirm, Dismiss }

[GenerateSerializer]
public sealed record AlertActionResult([property: Id(0)] bool Ok, [property: Id(1)] Alert? Alert, [property: Id(2)] string? Error);
