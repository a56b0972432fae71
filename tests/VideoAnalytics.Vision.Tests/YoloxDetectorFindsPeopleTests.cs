using OpenCvSharp;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Detection;

namespace VideoAnalytics.Vision.Tests;

using Detection = VideoAnalytics.Vision.Detection.Detection;

public sealed class YoloxDetectorFindsPeopleTests
{
    [Fact]
    public void Finds_several_people_on_the_pets_frame_at_20_seconds()
    {
        using var capture = new VideoCapture(TestEnvironment.PedestrianVideo);
        capture.Set(VideoCaptureProperties.PosMsec, 20_000);
        using var frame = new Mat();
        Assert.True(capture.Read(frame) && !frame.Empty());
        using var detector = TestModels.PersonDetector();
        var found = new List<Detection>();

        detector.Detect(frame, found);

        Assert.Equal("yolox-nano", detector.ModelName);
        Assert.Equal("person", detector.Labels[0]);
        Assert.InRange(found.Count, 5, 14);
        foreach (var d in found)
        {
            Assert.Equal(0, d.ClassId);
            Assert.InRange(d.Score, 0.3f, 1f);
            Assert.True(d.Box.X >= 0 && d.Box.Y >= 0 && d.Box.Right <= frame.Width && d.Box.Bottom <= frame.Height, $"box {d.Box} leaves the frame");
            // Pedestrians stand upright in this camera: taller than wide, and not the whole frame.
            Assert.True(d.Box.H > d.Box.W * 0.9f, $"box {d.Box} is not person-shaped");
            Assert.InRange(d.Box.H, 15f, frame.Height * 0.8f);
        }
        for (var i = 0; i < found.Count; i++)
        {
            for (var j = i + 1; j < found.Count; j++) Assert.True(BoxF.IoU(found[i].Box, found[j].Box) <= 0.45f, "NMS left overlapping boxes");
        }
    }

    [Fact]
    public void Class_filter_keeps_vehicles_out_and_all_classes_brings_them_in()
    {
        using var capture = new VideoCapture(TestEnvironment.PedestrianVideo);
        capture.Set(VideoCaptureProperties.PosMsec, 20_000);
        using var frame = new Mat();
        Assert.True(capture.Read(frame));
        using var everything = new YoloDetector(TestModels.Factory().Create(TestModels.YoloxNano), new YoloDetectorOptions { ScoreThreshold = 0.3f });
        var all = new List<Detection>();

        everything.Detect(frame, all);

        var persons = all.Count(d => d.ClassId == 0);
        Assert.True(persons >= 5, $"{persons} persons");
        Assert.Contains(all, d => everything.Labels[d.ClassId] is "car" or "truck" or "bus");
    }

    [Fact]
    public void Repeated_calls_on_the_same_frame_give_the_same_boxes()
    {
        using var frame = TestModels.ReadFrame(TestEnvironment.PedestrianVideo, 100);
        using var detector = TestModels.PersonDetector();
        var first = new List<Detection>();
        var second = new List<Detection>();

        detector.Detect(frame, first);
        detector.Detect(frame, second);

        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Unknown_class_name_is_rejected_with_the_name()
    {
        var e = Assert.Throws<ArgumentException>(() => new YoloDetector(TestModels.Factory().Create(TestModels.YoloxNano), new YoloDetectorOptions { Classes = ["unicorn"] }));
        Assert.Contains("unicorn", e.Message);
    }
}
