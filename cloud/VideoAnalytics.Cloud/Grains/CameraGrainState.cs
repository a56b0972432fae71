namespace VideoAnalytics.Cloud.Grains;

/// <summary>What <see cref="CameraGrain"/> persists (grain state <c>camera</c>).</summary>
public sealed class CameraGrainState
{
    public string State { get; set; } = "unknown";
    public double Fps { get; set; }
    public DateTimeOffset? HealthTimeUtc { get; set; }
    public DateTimeOffset? LastFrameUtc { get; set; }
    public string? LastError { get; set; }
    public string? LastGateRule { get; set; }
    public string? LastGateDecision { get; set; }
    public double? LastGateScore { get; set; }
    public DateTimeOffset? LastGateUtc { get; set; }
}
