using System.Text.Json.Serialization;
using VideoAnalytics.Contracts.Validation;

namespace VideoAnalytics.Contracts.Messages;

[JsonConverter(typeof(JsonStringEnumConverter<GateDecision>))]
public enum GateDecision
{
    /// <summary>Score below the low threshold: nothing to do.</summary>
    [JsonStringEnumMemberName("none")] None,
    /// <summary>Between low and high: the edge cannot judge, the clip goes to the cloud.</summary>
    [JsonStringEnumMemberName("uncertain")] Uncertain,
    /// <summary>At or above high: the edge is sure; an alert without waiting for the cloud.</summary>
    [JsonStringEnumMemberName("certain")] Certain,
    /// <summary>A previously raised window fell back below low.</summary>
    [JsonStringEnumMemberName("cleared")] Cleared,
}

/// <summary>A gate decision of one camera for one rule over one window.</summary>
public sealed record GateEvent : ICameraMessage
{
    public string Schema { get; init; } = Schemas.GateEvent;
    public required string EventId { get; init; }
    public required string Branch { get; init; }
    public required string Site { get; init; }
    public required string Device { get; init; }
    public required string Camera { get; init; }
    public required DateTimeOffset TimeUtc { get; init; }
    public required string Rule { get; init; }
    public required GateDecision Decision { get; init; }
    public required double Score { get; init; }
    public double Low { get; init; }
    public double High { get; init; }
    public DateTimeOffset WindowStartUtc { get; init; }
    public DateTimeOffset WindowEndUtc { get; init; }
    public IReadOnlyDictionary<string, float> Features { get; init; } = new Dictionary<string, float>();
    public string? ClipId { get; init; }

    public IReadOnlyList<string> Validate(DateTimeOffset now)
    {
        var v = new ValidationReasons().Schema(Schema, Schemas.GateEvent).Id(EventId, "eventId")
            .Slug(Branch, "branch").Slug(Site, "site").Slug(Device, "device").Slug(Camera, "camera")
            .Time(TimeUtc, now, "time").Slug(Rule, "rule").Finite(Score, "score", 0, 1)
            .Finite(Low, "low", 0, 1).Finite(High, "high", 0, 1).Require(Low <= High, "low is above high")
            .Require(Enum.IsDefined(Decision), "decision is unknown")
            .Count(Features, "features", Limits.MaxFeatures);
        if (ClipId is not null) v.Id(ClipId, "clipId");
        foreach (var f in Features) v.Require(float.IsFinite(f.Value), $"feature {f.Key} is not finite");
        return v.Reasons;
    }
}
