namespace VideoAnalytics.Vision.Detection;

/// <summary>Detector settings (configuration section <c>Detector</c>); unset values come from the model manifest's thresholds.</summary>
public sealed class YoloDetectorOptions
{
    public const string SectionName = "Detector";

    /// <summary>Minimum score (objectness x class score for YOLOX); manifest threshold <c>score</c>, else 0.3.</summary>
    public float? ScoreThreshold { get; set; }

    /// <summary>IoU above which a lower-scored box of the same class is suppressed; manifest threshold <c>nms_iou</c>, else 0.45.</summary>
    public float? NmsIoU { get; set; }

    /// <summary>Label names to keep (e.g. <c>person</c>, <c>car</c>); empty keeps every class.</summary>
    public List<string> Classes { get; set; } = [];

    public int MaxDetections { get; set; } = 300;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ScoreThreshold is < 0 or > 1) errors.Add($"{SectionName}:ScoreThreshold must be 0-1, not {ScoreThreshold}");
        if (NmsIoU is <= 0 or > 1) errors.Add($"{SectionName}:NmsIoU must be in (0, 1], not {NmsIoU}");
        if (MaxDetections is < 1 or > 10_000) errors.Add($"{SectionName}:MaxDetections must be 1-10000, not {MaxDetections}");
        return errors;
    }
}
