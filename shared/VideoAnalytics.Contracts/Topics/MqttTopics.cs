using VideoAnalytics.Contracts.Identity;

namespace VideoAnalytics.Contracts.Topics;

/// <summary>A topic of the MQTT contract (ARCHITECTURE §3), parsed into its parts.</summary>
public sealed record ParsedTopic(TopicKind Kind, string Branch, string Site, string? Device, string? Camera, string? ClipId)
{
    public DeviceId DeviceId => Device is null
        ? throw new InvalidOperationException($"A {Kind} topic names no device.")
        : new DeviceId(Branch, Site, Device);
}

/// <summary>
/// Builds and parses the topics of the MQTT contract. Prefix <c>va/v1/{branch}/{site}/{device}</c>; every id is
/// validated, so a topic that builds also parses back to the same parts.
/// </summary>
public static class MqttTopics
{
    public const string Root = "va/v1";

    /// <summary>The shared-subscription group that cloud silos join so they split the load.</summary>
    public const string CloudShareGroup = "va-cloud";

    public static string DevicePrefix(DeviceId d) => $"{Root}/{d.Branch}/{d.Site}/{d.Device}";

    public static string Status(DeviceId d) => $"{DevicePrefix(d)}/status";

    public static string Tracks(CameraId c) => $"{DevicePrefix(c.Device)}/cam/{c.Camera}/tracks";

    public static string Events(CameraId c) => $"{DevicePrefix(c.Device)}/cam/{c.Camera}/events";

    public static string Clip(CameraId c, string clipId)
    {
        if (!ClipIds.IsValid(clipId)) throw new ArgumentException($"clip id '{clipId}' is not valid.", nameof(clipId));
        return $"{DevicePrefix(c.Device)}/cam/{c.Camera}/clips/{clipId}";
    }

    public static string ModelsDesired(DeviceId d) => $"{DevicePrefix(d)}/models/desired";

    public static string ModelsReported(DeviceId d) => $"{DevicePrefix(d)}/models/reported";

    public static string SiteAlerts(SiteId s) => $"{Root}/{s.Branch}/{s.Site}/alerts";

    /// <summary>Filters the cloud subscribes to, each as a shared subscription of <see cref="CloudShareGroup"/>.</summary>
    public static IReadOnlyList<string> CloudSubscriptions { get; } =
    [
        $"$share/{CloudShareGroup}/{Root}/+/+/+/status",
        $"$share/{CloudShareGroup}/{Root}/+/+/+/cam/+/tracks",
        $"$share/{CloudShareGroup}/{Root}/+/+/+/cam/+/events",
        $"$share/{CloudShareGroup}/{Root}/+/+/+/cam/+/clips/+",
        $"$share/{CloudShareGroup}/{Root}/+/+/+/models/reported",
    ];

    public static bool TryParse(string? topic, out ParsedTopic parsed, out string error)
    {
        parsed = null!;
        if (string.IsNullOrEmpty(topic)) { error = "empty topic"; return false; }
        if (topic.Length > 256) { error = "topic longer than 256 characters"; return false; }
        var p = topic.Split('/');
        if (p.Length < 5 || p[0] != "va" || p[1] != "v1") { error = $"topic '{topic}' is not under {Root}/"; return false; }
        if (!Slug.IsValid(p[2])) { error = $"branch '{p[2]}' is not a valid id"; return false; }
        if (!Slug.IsValid(p[3])) { error = $"site '{p[3]}' is not a valid id"; return false; }

        if (p.Length == 5)
        {
            if (p[4] == "alerts") { parsed = new(TopicKind.SiteAlerts, p[2], p[3], null, null, null); error = ""; return true; }
            error = $"topic '{topic}' has no device"; return false;
        }
        if (!Slug.IsValid(p[4])) { error = $"device '{p[4]}' is not a valid id"; return false; }

        switch (p.Length)
        {
            case 6 when p[5] == "status":
                parsed = new(TopicKind.Status, p[2], p[3], p[4], null, null); error = ""; return true;
            case 7 when p[5] == "models" && p[6] is "desired" or "reported":
                parsed = new(p[6] == "desired" ? TopicKind.ModelsDesired : TopicKind.ModelsReported, p[2], p[3], p[4], null, null);
                error = ""; return true;
            case 8 when p[5] == "cam" && p[7] is "tracks" or "events":
                if (!Slug.IsValid(p[6])) { error = $"camera '{p[6]}' is not a valid id"; return false; }
                parsed = new(p[7] == "tracks" ? TopicKind.Tracks : TopicKind.Events, p[2], p[3], p[4], p[6], null);
                error = ""; return true;
            case 9 when p[5] == "cam" && p[7] == "clips":
                if (!Slug.IsValid(p[6])) { error = $"camera '{p[6]}' is not a valid id"; return false; }
                if (!ClipIds.IsValid(p[8])) { error = $"clip id '{p[8]}' is not valid"; return false; }
                parsed = new(TopicKind.Clip, p[2], p[3], p[4], p[6], p[8]); error = ""; return true;
            default:
                error = $"topic '{topic}' is not part of the contract"; return false;
        }
    }
}
