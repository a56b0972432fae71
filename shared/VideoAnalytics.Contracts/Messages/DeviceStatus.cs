using System.Text.Json.Serialization;
using VideoAnalytics.Contracts.Validation;

namespace VideoAnalytics.Contracts.Messages;

[JsonConverter(typeof(JsonStringEnumConverter<DeviceState>))]
public enum DeviceState
{
    [JsonStringEnumMemberName("online")] Online,
    [JsonStringEnumMemberName("offline")] Offline,
}

/// <summary>Retained on <c>…/status</c>; the Last Will carries the same record with <see cref="DeviceState.Offline"/>.</summary>
public sealed record DeviceStatus : IDeviceMessage
{
    public string Schema { get; init; } = Schemas.Status;
    public required string Branch { get; init; }
    public required string Site { get; init; }
    public required string Device { get; init; }
    public required DateTimeOffset TimeUtc { get; init; }
    public required DeviceState State { get; init; }
    public string AgentVersion { get; init; } = "";
    public IReadOnlyList<CameraHealth> Cameras { get; init; } = [];
    public SpoolHealth? Spool { get; init; }
    public IReadOnlyDictionary<string, string> ModelVersions { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Validate(DateTimeOffset now)
    {
        var v = new ValidationReasons().Schema(Schema, Schemas.Status)
            .Slug(Branch, "branch").Slug(Site, "site").Slug(Device, "device").Time(TimeUtc, now, "time")
            .Text(AgentVersion, "agentVersion", 64)
            .Count(Cameras, "cameras", Limits.MaxCamerasPerDevice)
            .Count(ModelVersions, "modelVersions", Limits.MaxModelsPerDevice);
        foreach (var c in Cameras)
        {
            v.Slug(c.Camera, "camera").Finite(c.Fps, $"camera {c.Camera} fps", 0, 1000).Text(c.LastError, "lastError", 500, required: false);
        }
        return v.Reasons;
    }
}

public sealed record CameraHealth(string Camera, string State, double Fps, long FramesAnalysed, long FramesDropped, DateTimeOffset? LastFrameUtc, string? LastError);

public sealed record SpoolHealth(long Bytes, int Items, long DroppedTrackBatches, long DroppedClips);
