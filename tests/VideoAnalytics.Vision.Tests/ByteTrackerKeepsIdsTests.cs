using OpenCvSharp;
using Xunit.Abstractions;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Tracking;

namespace VideoAnalytics.Vision.Tests;

using Detection = VideoAnalytics.Vision.Detection.Detection;

public sealed class ByteTrackerKeepsIdsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private static Detection Person(float x, float y, float score = 0.9f) => new(new BoxF(x, y, 40, 100), 0, score);

    [Fact]
    public void A_walking_person_keeps_one_id_and_gets_a_velocity_in_pixels_per_second()
    {
        var tracker = new ByteTracker();
        var active = new List<TrackedObject>();
        var ended = new List<long>();
        var ids = new HashSet<long>();

        for (var f = 0; f < 50; f++)
        {
            tracker.Update([Person(10 + 5 * f, 50), Person(400, 50 + 2 * f)], Tick * f, active, ended);
            foreach (var t in active) ids.Add(t.TrackId);
        }

        Assert.Equal(2, ids.Count);
        var walker = active.Single(t => t.Box.X < 350);
        Assert.InRange(walker.VelocityX, 45f, 55f); // 5 px per 100 ms
        Assert.InRange(walker.VelocityY, -5f, 5f);
        Assert.Empty(ended);
    }

    [Fact]
    public void A_short_miss_keeps_the_id_and_a_long_one_ends_the_track()
    {
        var tracker = new ByteTracker(new ByteTrackerOptions { LostTrackFrames = 10 });
        var active = new List<TrackedObject>();
        var ended = new List<long>();
        var f = 0;
        for (; f < 10; f++) tracker.Update([Person(10 + 5 * f, 50)], Tick * f, active, ended);
        var id = Assert.Single(active).TrackId;

        for (; f < 15; f++) tracker.Update([], Tick * f, active, ended); // occluded for 5 frames
        Assert.Empty(active);
        tracker.Update([Person(10 + 5 * f, 50)], Tick * f, active, ended); // re-appears where it was heading
        Assert.Equal(id, Assert.Single(active).TrackId);

        var endedIds = new List<long>();
        for (f++; f < 40; f++)
        {
            tracker.Update([], Tick * f, active, ended);
            endedIds.AddRange(ended);
        }
        Assert.Equal([id], endedIds);
        tracker.Update([Person(10, 50)], Tick * f, active, ended);
        tracker.Update([Person(10, 50)], Tick * (f + 1), active, ended);
        Assert.NotEqual(id, Assert.Single(active).TrackId);
    }

    [Fact]
    public void A_time_limit_ends_lost_tracks_when_frames_are_sparse()
    {
        var tracker = new ByteTracker(new ByteTrackerOptions { LostTrackFrames = 1000, LostTrackTime = TimeSpan.FromSeconds(2) });
        var active = new List<TrackedObject>();
        var ended = new List<long>();
        tracker.Update([Person(10, 50)], TimeSpan.Zero, active, ended);
        var id = Assert.Single(active).TrackId;

        tracker.Update([], TimeSpan.FromSeconds(1), active, ended);
        Assert.Empty(ended);
        tracker.Update([], TimeSpan.FromSeconds(3), active, ended);
        Assert.Equal([id], ended);
    }

    [Fact]
    public void Low_score_boxes_continue_a_track_but_never_start_one()
    {
        var tracker = new ByteTracker();
        var active = new List<TrackedObject>();
        var ended = new List<long>();
        tracker.Update([Person(10, 50), Person(300, 50, 0.2f)], TimeSpan.Zero, active, ended);
        var id = Assert.Single(active).TrackId;

        for (var f = 1; f < 10; f++)
        {
            // The person is half occluded: the detector is unsure, the box still overlaps the prediction.
            tracker.Update([Person(10 + 2 * f, 50, 0.25f), Person(300, 50, 0.2f)], Tick * f, active, ended);
            Assert.Equal(id, Assert.Single(active).TrackId);
        }
    }

    [Fact]
    public void A_single_spurious_detection_does_not_get_an_id()
    {
        var tracker = new ByteTracker();
        var active = new List<TrackedObject>();
        var ended = new List<long>();
        tracker.Update([Person(10, 50)], TimeSpan.Zero, active, ended);

        tracker.Update([Person(10, 50), Person(300, 200)], Tick, active, ended); // flicker, then gone
        tracker.Update([Person(10, 50)], Tick * 2, active, ended);

        Assert.Single(active);
        Assert.Empty(ended);
    }

    [Fact]
    public void Boxes_of_different_classes_are_not_associated()
    {
        var tracker = new ByteTracker();
        var active = new List<TrackedObject>();
        var ended = new List<long>();
        tracker.Update([Person(10, 50)], TimeSpan.Zero, active, ended);
        var id = active[0].TrackId;

        tracker.Update([new Detection(new BoxF(10, 50, 40, 100), 2, 0.9f)], Tick, active, ended);

        Assert.DoesNotContain(active, t => t.TrackId == id);
    }

    /// <summary>
    /// Real detector on the PETS clip. For the longest-lived track, an independent chain is built from the raw
    /// detections (each frame's detection overlapping the previous one most) around the middle of the track:
    /// the frames in which a person is continuously detected there. The track must cover most of that chain
    /// with one id. A tracker that re-ids every frame (or swaps ids mid-walk) covers a few frames at most.
    /// </summary>
    [Fact]
    public void Pedestrians_on_the_pets_clip_keep_their_ids_while_continuously_detected()
    {
        const int frames = 240;
        using var detector = TestModels.PersonDetector(score: 0.1f);
        var tracker = new ByteTracker();
        var detectionsPerFrame = new List<Detection[]>();
        var trackBoxes = new Dictionary<long, Dictionary<int, BoxF>>();
        var detections = new List<Detection>();
        var active = new List<TrackedObject>();
        var ended = new List<long>();
        using var capture = new VideoCapture(TestEnvironment.PedestrianVideo);
        using var frame = new Mat();
        for (var f = 0; f < frames && capture.Read(frame) && !frame.Empty(); f++)
        {
            detector.Detect(frame, detections);
            tracker.Update(detections, TimeSpan.FromMilliseconds(capture.Get(VideoCaptureProperties.PosMsec)), active, ended);
            detectionsPerFrame.Add([.. detections.Where(d => d.Score >= 0.3f)]);
            foreach (var t in active)
            {
                if (!trackBoxes.TryGetValue(t.TrackId, out var boxes)) trackBoxes[t.TrackId] = boxes = [];
                boxes[f] = t.Box;
            }
        }
        Assert.Equal(frames, detectionsPerFrame.Count);

        var longest = trackBoxes.MaxBy(kv => kv.Value.Count);
        var frameList = longest.Value.Keys.Order().ToList();
        var middle = frameList[frameList.Count / 2];
        var chain = DetectionChain(detectionsPerFrame, middle, longest.Value[middle]);
        var covered = chain.Count(c => longest.Value.TryGetValue(c.Key, out var box) && BoxF.IoU(box, c.Value) >= 0.5f);

        output.WriteLine($"longest track {longest.Key}: {longest.Value.Count} frames; chain {chain.Count} frames, covered {covered}; {trackBoxes.Count} ids");
        Assert.True(chain.Count >= 40, $"the detector saw the person continuously for only {chain.Count} frames");
        Assert.True(covered >= 0.8 * chain.Count, $"track {longest.Key} covers {covered} of the {chain.Count} frames its person was continuously detected");
        // Ids are not churned: the clip has a dozen or so people in 24 s.
        Assert.True(trackBoxes.Count <= 40, $"{trackBoxes.Count} ids issued in {frames} frames");
    }

    /// <summary>From <paramref name="seed"/> at frame <paramref name="start"/>, follows the best-overlapping detection forwards and backwards while one overlaps.</summary>
    private static Dictionary<int, BoxF> DetectionChain(List<Detection[]> perFrame, int start, BoxF seed)
    {
        var chain = new Dictionary<int, BoxF>();
        if (Best(perFrame[start], seed) is not { } first) return chain;
        chain[start] = first;
        foreach (var step in new[] { 1, -1 })
        {
            var box = first;
            for (var f = start + step; f >= 0 && f < perFrame.Count; f += step)
            {
                if (Best(perFrame[f], box) is not { } next) break;
                chain[f] = box = next;
            }
        }
        return chain;
    }

    private static BoxF? Best(Detection[] detections, BoxF near)
    {
        BoxF? best = null;
        var bestIoU = 0.3f;
        foreach (var d in detections)
        {
            var iou = BoxF.IoU(d.Box, near);
            if (iou >= bestIoU) { bestIoU = iou; best = d.Box; }
        }
        return best;
    }
}
