using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using VideoAnalytics.Vision.Gating;
using VideoAnalytics.Vision.Onnx;
using VideoAnalytics.Vision.Pose;

namespace VideoAnalytics.Edge.Perception;

/// <summary>
/// <c>Edge:Pose</c> (optional): a top-down pose model whose keypoints feed the gate (wrist speed, arm reaching towards
/// another person). The gate's heads file must then be trained with pose (<c>va-edge train-gate --pose MANIFEST</c>).
/// </summary>
public sealed class PoseOptions
{
    /// <summary>Path of the pose model's manifest.json; empty turns the pose stage off.</summary>
    public string Manifest { get; set; } = "";

    public string? ModelFile { get; set; }

    /// <summary>Largest person boxes measured per analysed frame (one pose inference each).</summary>
    [Range(1, 32)]
    public int MaxPeople { get; set; } = 4;

    public bool Enabled => !string.IsNullOrWhiteSpace(Manifest);

    /// <summary>The pose stage for one camera's gate, or null when off.</summary>
    public PoseMotion? CreateMotion(OnnxRuntimeOptions onnx, ILoggerFactory? loggers = null)
    {
        if (!Enabled) return null;
        var session = new OnnxSessionFactory(onnx, loggers?.CreateLogger<OnnxSessionFactory>()).Create(ModelPackageLoader.Load(Manifest, ModelFile));
        return new PoseMotion(new PoseEstimator(session), MaxPeople);
    }
}
