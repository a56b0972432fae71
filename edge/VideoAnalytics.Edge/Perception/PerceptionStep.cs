using System.Diagnostics;
using OpenCvSharp;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Tracking;

namespace VideoAnalytics.Edge.Perception;

/// <summary>Detector then tracker on one frame; the lists are reused from frame to frame.</summary>
public sealed class PerceptionStep(IObjectDetector detector, IMultiObjectTracker tracker, StageTimings timings)
{
    private readonly List<Detection> _detections = [];

    public List<TrackedObject> Active { get; } = [];

    public List<long> Ended { get; } = [];

    public IReadOnlyList<Detection> Detections => _detections;

    public IObjectDetector Detector => detector;

    public StageTimings Timings => timings;

    public void Process(Mat bgr, TimeSpan position)
    {
        var t0 = Stopwatch.GetTimestamp();
        detector.Detect(bgr, _detections);
        timings.Add(Stage.Detect, t0);
        var t1 = Stopwatch.GetTimestamp();
        tracker.Update(_detections, position, Active, Ended);
        timings.Add(Stage.Track, t1);
    }
}
