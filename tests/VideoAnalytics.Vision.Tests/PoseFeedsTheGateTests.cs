using OpenCvSharp;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Gating;
using VideoAnalytics.Vision.Pose;
using VideoAnalytics.Vision.Tracking;

namespace VideoAnalytics.Vision.Tests;

using Detection = VideoAnalytics.Vision.Detection.Detection;

/// <summary>The optional pose stage: keypoints of the tracked people of a real fight become gate features.</summary>
public sealed class PoseFeedsTheGateTests
{
    [Fact]
    public void With_pose_the_gate_computes_wrist_speed_and_reach_on_a_real_fight()
    {
        using var pose = new PoseMotion(new PoseEstimator(TestModels.Factory().Create(TestModels.SimplePose)), maxPeople: 3);
        var (names, windows) = Run(TestEnvironment.Videos("survfight", "fight", "fi124.mp4"), pose);

        Assert.Equal([.. GateFeatures.Core, .. GateFeatures.Pose], names);
        Assert.NotEmpty(windows);
        Assert.All(windows, w => Assert.All(w, v => Assert.True(float.IsFinite(v) && v >= 0)));
        var wrist = names.ToList().IndexOf(GateFeatures.PoseWristSpeedMax);
        var reach = names.ToList().IndexOf(GateFeatures.PoseReachMax);
        Assert.Contains(windows, w => w[wrist] > 0);
        Assert.All(windows, w => Assert.InRange(w[reach], 0, 3)); // an arm is never three bodies long
    }

    [Fact]
    public void Without_pose_the_features_are_the_core_ones()
    {
        var (names, windows) = Run(TestEnvironment.Videos("survfight", "fight", "fi124.mp4"), pose: null);
        Assert.Equal(GateFeatures.Core, names);
        Assert.All(windows, w => Assert.Equal(GateFeatures.Core.Count, w.Length));
    }

    private static (IReadOnlyList<string> Names, List<float[]> Windows) Run(string video, PoseMotion? pose)
    {
        using var detector = TestModels.PersonDetector();
        var tracker = new ByteTracker(new ByteTrackerOptions());
        using var extractor = new GateFeatureExtractor(new GateWindowSettings(WindowSeconds: 1, StrideSeconds: 0.5), 0, pose: pose);
        var detections = new List<Detection>();
        var active = new List<TrackedObject>();
        var ended = new List<long>();
        var features = new float[extractor.FeatureNames.Count];
        var windows = new List<float[]>();
        using var capture = new VideoCapture(video);
        var fps = capture.Fps > 0 ? capture.Fps : 30;
        using var frame = new Mat();
        for (var i = 0; capture.Read(frame) && !frame.Empty(); i++)
        {
            if (i % 3 != 0) continue; // 10 fps of a 30 fps clip, as the agent analyses it
            var position = TimeSpan.FromSeconds(i / fps);
            detector.Detect(frame, detections);
            tracker.Update(detections, position, active, ended);
            extractor.AddFrame(frame, position, active);
            if (extractor.TryGetWindow(features, out _)) windows.Add((float[])features.Clone());
        }
        if (extractor.Flush(features, out _)) windows.Add((float[])features.Clone());
        return (extractor.FeatureNames, windows);
    }
}
