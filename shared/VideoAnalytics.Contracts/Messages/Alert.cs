using System.Text.Json.Serialization;
using VideoAnalytics.Contracts.Validation;

namespace VideoAnalytics.Contracts.Messages;

[JsonConverter(typeof(JsonStringEnumConverter<AlertState>))]
public enum AlertState
{
    [JsonStringEnumMemberName("new")] New,
    [JsonStringEnumMemberName("acknowledged")] Acknowledged,
    [JsonStringEnumMemberName("confirmed")] Confirmed,
    [JsonStringEnumMemberName("dismissed")] Dismissed,
}

[JsonConverter(typeof(JsonStringEnumConverter<AlertSeverity>))]
public enum AlertSeverity
{
    [JsonStringEnumMemberName("low")] Low,
    [JsonStringEnumMemberName("medium")] Medium,
    [JsonStringEnumMemberName("high")] High,
    [JsonStringEnumMemberName("critical")] Critical,
}

/// <summary>One incident: judgments and certain gate events of one site/camera/rule within a window, merged.</summary>
public sealed record Alert : IContractMessage
{
    public string Schema { get; init; } = Schemas.Alert;
    public required string AlertId { get; init; }
    public required string Branch { get; init; }
    public required string Site { get; init; }
    public required string Device { get; init; }
    public required string Camera { get; init; }
    public required string Rule { get; init; }
    public required DateTimeOffset TimeUtc { get; init; }
    public required DateTimeOffset OpenedUtc { get; init; }
    public required AlertSeverity Severity { get; init; }
    public required AlertState State { get; init; }
    /// <summary>False while no judge has confirmed it (edge-certain only, or judge backend down).</summary>
    public required bool Verified { get; init; }
    public required string Summary { get; init; }
    public IReadOnlyList<string> ClipIds { get; init; } = [];
    public IReadOnlyList<string> Reasons { get; init; } = [];

    public IReadOnlyList<string> Validate(DateTimeOffset now)
    {
        var v = new ValidationReasons().Schema(Schema, Schemas.Alert).Id(AlertId, "alertId")
            .Slug(Branch, "branch").Slug(Site, "site").Slug(Device, "device").Slug(Camera, "camera").Slug(Rule, "rule")
            .Time(TimeUtc, now, "time").Time(OpenedUtc, now, "opened").Text(Summary, "summary", Limits.MaxReasonLength)
            .Count(ClipIds, "clipIds", 1000).Count(Reasons, "reasons", 1000);
        foreach (var c in ClipIds) v.Id(c, "clipId");
        return v.Reasons;
    }
}
