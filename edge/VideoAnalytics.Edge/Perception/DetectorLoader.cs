using Microsoft.Extensions.Logging;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Onnx;
using VideoAnalytics.Vision.Tracking;

namespace VideoAnalytics.Edge.Perception;

/// <summary>Builds the detector and a tracker from configuration (one detector per camera: sessions are not shared across threads).</summary>
public static class DetectorLoader
{
    public static YoloDetector Load(DetectorOptions options, OnnxRuntimeOptions onnx, ILoggerFactory? loggers = null)
    {
        var package = ModelPackageLoader.Load(options.Manifest, options.ModelFile);
        var factory = new OnnxSessionFactory(onnx, loggers?.CreateLogger<OnnxSessionFactory>());
        return new YoloDetector(factory.Create(package), new YoloDetectorOptions
        {
            Classes = options.Classes, ScoreThreshold = options.ScoreThreshold, NmsIoU = options.NmsIoU,
        });
    }

    /// <summary>A tracker whose lost tracks expire by time, so it behaves the same at any analysis rate.</summary>
    public static ByteTracker NewTracker() => new(new ByteTrackerOptions { LostTrackTime = TimeSpan.FromSeconds(2) });

    /// <summary>The index of "person" in the detector's labels (the gate looks at people).</summary>
    public static int PersonClassId(IObjectDetector detector)
    {
        for (var i = 0; i < detector.Labels.Count; i++)
        {
            if (string.Equals(detector.Labels[i], "person", StringComparison.OrdinalIgnoreCase)) return i;
        }
        throw new InvalidOperationException($"detector '{detector.ModelName}' has no 'person' label; the gate needs one");
    }
}
