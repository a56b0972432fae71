namespace VideoAnalytics.Edge.Perception;

/// <summary><c>Edge:Detector</c>: which detector package to run and how.</summary>
public sealed class DetectorOptions
{
    /// <summary>Path of the detector's manifest.json (e.g. deploy/models/yolox-nano/manifest.json).</summary>
    public string Manifest { get; set; } = "";

    /// <summary>The ONNX file, when it is not beside the manifest.</summary>
    public string? ModelFile { get; set; }

    /// <summary>Classes kept (names from the manifest's labels); empty keeps all.</summary>
    public List<string> Classes { get; set; } = [];

    public float? ScoreThreshold { get; set; }

    public float? NmsIoU { get; set; }
}
