using System.Text.Json.Serialization;
using VideoAnalytics.Contracts.Validation;

namespace VideoAnalytics.Contracts.Messages;

[JsonConverter(typeof(JsonStringEnumConverter<Verdict>))]
public enum Verdict
{
    [JsonStringEnumMemberName("fight")] Fight,
    [JsonStringEnumMemberName("no_fight")] NoFight,
    [JsonStringEnumMemberName("unsure")] Unsure,
}

/// <summary>What a judge decided about one clip, and which backend decided it.</summary>
public sealed record Judgment : ICameraMessage
{
    public string Schema { get; init; } = Schemas.Judgment;
    public required string ClipId { get; init; }
    public required string Branch { get; init; }
    public required string Site { get; init; }
    public required string Device { get; init; }
    public required string Camera { get; init; }
    public required DateTimeOffset TimeUtc { get; init; }
    public required string Rule { get; init; }
    public required Verdict Verdict { get; init; }
    public required double Confidence { get; init; }
    public required string Reason { get; init; }
    public required string Backend { get; init; }
    public required double DurationMs { get; init; }

    public IReadOnlyList<string> Validate(DateTimeOffset now) =>
        new ValidationReasons().Schema(Schema, Schemas.Judgment).Id(ClipId, "clipId")
            .Slug(Branch, "branch").Slug(Site, "site").Slug(Device, "device").Slug(Camera, "camera")
            .Time(TimeUtc, now, "time").Slug(Rule, "rule").Require(Enum.IsDefined(Verdict), "verdict is unknown")
            .Finite(Confidence, "confidence", 0, 1).Text(Reason, "reason", Limits.MaxReasonLength)
            .Text(Backend, "backend", 128).Finite(DurationMs, "durationMs", 0).Reasons;
}
