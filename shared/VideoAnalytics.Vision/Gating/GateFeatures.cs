namespace VideoAnalytics.Vision.Gating;

/// <summary>
/// The features a gate window is described by, in a fixed order. Distances and speeds are in person-box heights (and
/// per second), so the same motion scores alike whether people are near the camera or far from it.
/// </summary>
public static class GateFeatures
{
    public const string PersonsMean = "persons_mean";
    public const string PersonsMax = "persons_max";
    public const string PairDistanceMin = "pair_distance_min";
    public const string PairCloseFraction = "pair_close_fraction";
    public const string PairOverlapMax = "pair_overlap_max";
    public const string PairOverlapMean = "pair_overlap_mean";
    public const string SpeedMean = "speed_mean";
    public const string SpeedMax = "speed_max";
    public const string AccelerationMean = "acceleration_mean";
    public const string AccelerationMax = "acceleration_max";
    public const string HeightChangeMax = "height_change_max";
    public const string FlowInPersonsMean = "flow_persons_mean";
    public const string FlowInPersonsMax = "flow_persons_max";
    public const string FlowSpreadMean = "flow_spread_mean";
    public const string FlowFrameMean = "flow_frame_mean";
    public const string FlowPersonsToFrame = "flow_persons_to_frame";
    public const string TrackChurn = "track_churn";

    /// <summary>The motion and interaction features, before any head-score features.</summary>
    public static IReadOnlyList<string> Core { get; } =
    [
        PersonsMean, PersonsMax, PairDistanceMin, PairCloseFraction, PairOverlapMax, PairOverlapMean,
        SpeedMean, SpeedMax, AccelerationMean, AccelerationMax, HeightChangeMax,
        FlowInPersonsMean, FlowInPersonsMax, FlowSpreadMean, FlowFrameMean, FlowPersonsToFrame, TrackChurn,
    ];

    public const string PoseWristSpeedMax = "pose_wrist_speed_max";
    public const string PoseReachMax = "pose_reach_max";

    /// <summary>Features of the optional pose stage (<see cref="PoseMotion"/>), after <see cref="Core"/> when it runs.</summary>
    public static IReadOnlyList<string> Pose { get; } = [PoseWristSpeedMax, PoseReachMax];

    /// <summary>The features a gate computes, in order: core, pose (when the pose stage runs), then one per scene head.</summary>
    public static IReadOnlyList<string> Names(bool pose, IEnumerable<string>? headNames = null) =>
        [.. Core, .. pose ? Pose : [], .. (headNames ?? []).Select(Head)];

    /// <summary>Name of the feature carrying the window mean of a head score (e.g. <c>head_fight</c>).</summary>
    public static string Head(string headName) => "head_" + headName;

    /// <summary>Distance reported when fewer than two people are in view: "far apart".</summary>
    public const float NoPairDistance = 5f;
}
