using System.Diagnostics;
using OpenCvSharp;
using VideoAnalytics.Edge.Capture;
using VideoAnalytics.Edge.Perception;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Gating;
using VideoAnalytics.Vision.Tracking;

namespace VideoAnalytics.Edge.Pipeline;

/// <summary>One gate window of an analysed video, with the people tracked at its end.</summary>
public sealed record AnalyzedWindow(GateWindow Window, float[] Features, IReadOnlyList<TrackedObject> Tracks);

/// <summary>
/// Runs the real detector, tracker and gate features over a video file as fast as it decodes (no pacing), at the
/// gate's analysis rate: what <c>train-gate</c>, <c>analyze</c> and the accuracy benchmark see is what the live gate sees.
/// </summary>
/// <param name="pose">The optional pose stage (Edge:Pose); its features then follow the core ones. Not owned.</param>
public sealed class VideoGateAnalyzer(IObjectDetector detector, GateWindowSettings window, double analysisFps, StageTimings? timings = null, PoseMotion? pose = null)
{
    public StageTimings Timings { get; } = timings ?? new StageTimings();

    public IReadOnlyList<string> FeatureNames { get; } = GateFeatures.Names(pose is not null);

    public IEnumerable<AnalyzedWindow> Analyze(string path)
    {
        using var source = new VideoFileSource(path);
        using var extractor = new GateFeatureExtractor(window, DetectorLoader.PersonClassId(detector), pose: pose);
        using var frame = new Mat();
        var step = new PerceptionStep(detector, DetectorLoader.NewTracker(), Timings);
        var clock = new AnalysisClock(analysisFps);
        var features = new float[extractor.FeatureNames.Count];
        while (true)
        {
            var t0 = Stopwatch.GetTimestamp();
            if (!source.TryRead(frame, out var position)) break;
            Timings.Add(Stage.Decode, t0);
            if (!clock.ShouldAnalyse(position)) continue;
            step.Process(frame, position);
            var t1 = Stopwatch.GetTimestamp();
            extractor.AddFrame(frame, position, step.Active);
            var ready = extractor.TryGetWindow(features, out var w);
            Timings.Add(Stage.GateFeatures, t1);
            if (ready) yield return new AnalyzedWindow(w, (float[])features.Clone(), [.. step.Active]);
        }
        if (extractor.Flush(features, out var last)) yield return new AnalyzedWindow(last, (float[])features.Clone(), [.. step.Active]);
    }

    /// <summary>The gate features of one labelled video, for training.</summary>
    public VideoFeatures Features(LabelledVideo video)
    {
        var windows = Analyze(video.Path).Select(w => w.Features).ToArray();
        return new VideoFeatures(video.File, video.Fight, video.Group, FeatureNames, windows);
    }
}
