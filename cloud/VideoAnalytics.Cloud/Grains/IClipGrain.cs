using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Grains;

/// <summary>One clip, keyed by clip id (<see cref="KeyOf"/>): judged exactly once, outcome persisted; repeated submissions are no-ops.</summary>
public interface IClipGrain : IGrainWithStringKey
{
    /// <summary>Records the clip as waiting (durably) and starts judging it; returns once the clip is safe.</summary>
    Task<ClipView> SubmitAsync(ClipManifest manifest);

    /// <summary>Judges the clip now if it is still waiting (sent by itself and by the sweeper; callers do not wait).</summary>
    [Orleans.Concurrency.OneWay]
    Task ResumeAsync();

    Task<ClipView> GetAsync();

    static string KeyOf(string clipId) => clipId;
}

[GenerateSerializer]
public sealed record ClipView(
    [property: Id(0)] string ClipId, [property: Id(1)] string Status, [property: Id(2)] int Attempts,
    [property: Id(3)] Judgment? Judgment, [property: Id(4)] string? LastError, [property: Id(5)] DateTimeOffset? NextAttemptUtc,
    [property: Id(6)] string Silo);
