namespace VideoAnalytics.Cloud.Alerts;

/// <summary>A clip as evidence of an incident: ids, when, its keyframes and what the edge measured.</summary>
[GenerateSerializer, Alias("VideoAnalytics.Cloud.Grains.ClipEvidence")]
public sealed record ClipEvidence(
    [property: Id(0)] string ClipId, [property: Id(1)] string Device, [property: Id(2)] string Camera, [property: Id(3)] string Rule,
    [property: Id(4)] DateTimeOffset TimeUtc, [property: Id(5)] double GateScore, [property: Id(6)] IReadOnlyList<string> KeyframeKeys,
    [property: Id(7)] IReadOnlyDictionary<string, float> Features, [property: Id(8)] float[]? SceneEmbedding);
