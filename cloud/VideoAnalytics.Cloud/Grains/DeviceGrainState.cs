using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Grains;

/// <summary>What <see cref="DeviceGrain"/> persists (grain state <c>device</c>, JSON in <c>orleans_grain_state</c>).</summary>
public sealed class DeviceGrainState
{
    public string State { get; set; } = "unknown";
    public DateTimeOffset? StatusTimeUtc { get; set; }
    public DateTimeOffset? LastSeenUtc { get; set; }
    public string Health { get; set; } = "unknown";
    public string AgentVersion { get; set; } = "";
    public Dictionary<string, string> ModelVersions { get; set; } = [];
    public List<string> Cameras { get; set; } = [];
    public SpoolHealth? Spool { get; set; }
}
