namespace VideoAnalytics.Vision.Tracking;

/// <summary>
/// ByteTrack settings (configuration section <c>Tracker</c>). Run the detector with a low score threshold (e.g. 0.1)
/// so the second, low-score stage has boxes to work with.
/// </summary>
public sealed class ByteTrackerOptions
{
    public const string SectionName = "Tracker";

    /// <summary>Detections at or above this score take part in the first association (ByteTrack's track_thresh).</summary>
    public float HighScoreThreshold { get; set; } = 0.45f;

    /// <summary>Detections between this and <see cref="HighScoreThreshold"/> can only continue tracks (second stage).</summary>
    public float LowScoreThreshold { get; set; } = 0.1f;

    /// <summary>An unmatched detection at or above this score starts a new (tentative) track.</summary>
    public float NewTrackThreshold { get; set; } = 0.5f;

    /// <summary>Minimum IoU between predicted track and detection in the first (high score) stage.</summary>
    public float HighMatchIoU { get; set; } = 0.2f;

    /// <summary>Minimum IoU in the second (low score) stage; stricter, since low boxes are less trustworthy.</summary>
    public float LowMatchIoU { get; set; } = 0.5f;

    /// <summary>Minimum IoU for a tentative track to be confirmed by its second detection.</summary>
    public float TentativeMatchIoU { get; set; } = 0.3f;

    /// <summary>A lost track is kept (and can be re-found with its id) for this many frames.</summary>
    public int LostTrackFrames { get; set; } = 30;

    /// <summary>Optionally also end a lost track once this much stream time has passed without a match (e.g. 00:00:03).</summary>
    public TimeSpan? LostTrackTime { get; set; }

    /// <summary>Only associate detections of the same class with a track.</summary>
    public bool ClassAware { get; set; } = true;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        static bool Unit(float v) => v is >= 0 and <= 1;
        if (!Unit(LowScoreThreshold) || !Unit(HighScoreThreshold) || LowScoreThreshold > HighScoreThreshold)
            errors.Add($"{SectionName}: need 0 <= LowScoreThreshold ({LowScoreThreshold}) <= HighScoreThreshold ({HighScoreThreshold}) <= 1");
        if (!Unit(NewTrackThreshold)) errors.Add($"{SectionName}:NewTrackThreshold must be 0-1, not {NewTrackThreshold}");
        if (HighMatchIoU is <= 0 or > 1) errors.Add($"{SectionName}:HighMatchIoU must be in (0, 1], not {HighMatchIoU}");
        if (LowMatchIoU is <= 0 or > 1) errors.Add($"{SectionName}:LowMatchIoU must be in (0, 1], not {LowMatchIoU}");
        if (TentativeMatchIoU is <= 0 or > 1) errors.Add($"{SectionName}:TentativeMatchIoU must be in (0, 1], not {TentativeMatchIoU}");
        if (LostTrackFrames is < 0 or > 100_000) errors.Add($"{SectionName}:LostTrackFrames must be 0-100000, not {LostTrackFrames}");
        if (LostTrackTime is { } t && t <= TimeSpan.Zero) errors.Add($"{SectionName}:LostTrackTime must be positive, not {t}");
        return errors;
    }
}
