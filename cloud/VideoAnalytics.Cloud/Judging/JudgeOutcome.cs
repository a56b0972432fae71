using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Judging;

/// <summary>What a judge run produced: a judgment, or why the judge backend could not give one.</summary>
[GenerateSerializer, Alias("VideoAnalytics.Cloud.Grains.JudgeOutcome")]
public sealed record JudgeOutcome([property: Id(0)] Judgment? Judgment, [property: Id(1)] string? Error);
