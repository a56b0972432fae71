using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Encoding;
using VideoAnalytics.Vision.Onnx;
using Xunit.Abstractions;

namespace VideoAnalytics.Vision.Tests;

using Detection = VideoAnalytics.Vision.Detection.Detection;

/// <summary>
/// Both re-id encoders (NCHW/RGB/ImageNet OSNet and NHWC/BGR/raw OMZ-0287) through the same manifest-driven code:
/// on the hall clip, YOLOX crops of one person 15 frames apart are closer than crops of different people.
/// </summary>
public sealed class EncoderSeparatesPeopleTests(ITestOutputHelper output)
{
    private static readonly Lazy<(BoxF[] Early, BoxF[] Late, (int Early, int Late)[] Pairs)> Boxes = new(FindPeople);

    public static TheoryData<string> Encoders => new() { "osnet-x0-25", "omz-reid-0287" };

    private static ModelPackage Package(string name) => name == "osnet-x0-25" ? TestModels.Osnet : TestModels.OmzReid;

    private static string HallVideo => TestEnvironment.Videos("pedestrian", "crowd_topdown_hall_720p.avi");

    [Theory]
    [MemberData(nameof(Encoders))]
    public void Same_person_15_frames_apart_is_closer_than_other_people(string encoderName)
    {
        var (early, late, pairs) = Boxes.Value;
        Assert.True(pairs.Length >= 3, $"only {pairs.Length} people matched between frames 100 and 115");
        using var encoder = new ImageEncoder(TestModels.Factory().Create(Package(encoderName)));
        using var frame100 = TestModels.ReadFrame(HallVideo, 100);
        using var frame115 = TestModels.ReadFrame(HallVideo, 115);
        var e = encoder.EmbeddingSize;
        var a = new float[early.Length * e];
        var b = new float[late.Length * e];

        encoder.EncodeCrops(frame100, early, a);
        encoder.EncodeCrops(frame115, late, b);

        double same = 0, other = 0;
        int otherCount = 0, top1 = 0;
        foreach (var (i, j) in pairs)
        {
            var ai = a.AsSpan(i * e, e);
            same += ImageEncoder.Cosine(ai, b.AsSpan(j * e, e));
            var best = -1;
            var bestCos = float.MinValue;
            for (var k = 0; k < late.Length; k++)
            {
                var c = ImageEncoder.Cosine(ai, b.AsSpan(k * e, e));
                if (c > bestCos) { bestCos = c; best = k; }
                if (k != j) { other += c; otherCount++; }
            }
            if (best == j) top1++;
        }
        same /= pairs.Length;
        other /= otherCount;
        output.WriteLine($"{encoderName}: {pairs.Length} matched people, mean cosine same {same:F3}, other {other:F3}, top-1 {top1}/{pairs.Length}");

        Assert.True(same > other + 0.1, $"same-person cosine {same:F3} is not clearly above other-person {other:F3}");
        Assert.True(top1 >= (pairs.Length * 2 + 2) / 3, $"top-1 {top1} of {pairs.Length}");
    }

    [Fact]
    public void Batched_crops_equal_crops_encoded_one_at_a_time_and_are_unit_length()
    {
        var (early, _, _) = Boxes.Value;
        using var encoder = new ImageEncoder(TestModels.Factory().Create(TestModels.Osnet), new ImageEncoderOptions { MaxBatch = 4 });
        using var frame = TestModels.ReadFrame(HallVideo, 100);
        var e = encoder.EmbeddingSize;
        var batched = new float[early.Length * e];
        var single = new float[e];

        encoder.EncodeCrops(frame, early, batched);

        Assert.False(encoder.FixedBatch);
        for (var i = 0; i < early.Length; i++)
        {
            encoder.EncodeCrops(frame, early.AsSpan(i, 1), single);
            Assert.InRange(ImageEncoder.Cosine(single, batched.AsSpan(i * e, e)), 0.9999f, 1.0001f);
            Assert.InRange(System.Numerics.Tensors.TensorPrimitives.Norm(single), 0.999f, 1.001f);
        }
    }

    [Fact]
    public void Whole_frames_encode_to_an_embedding_that_tells_scenes_apart()
    {
        using var encoder = new ImageEncoder(TestModels.Factory().Create(TestModels.OmzReid));
        using var hall = TestModels.ReadFrame(HallVideo, 100);
        using var hallLater = TestModels.ReadFrame(HallVideo, 103);
        using var street = TestModels.ReadFrame(TestEnvironment.PedestrianVideo, 100);
        var a = new float[encoder.EmbeddingSize];
        var b = new float[encoder.EmbeddingSize];
        var c = new float[encoder.EmbeddingSize];

        encoder.EncodeFrame(hall, a);
        encoder.EncodeFrame(hallLater, b);
        encoder.EncodeFrame(street, c);

        Assert.Equal(256, encoder.EmbeddingSize);
        Assert.True(encoder.FixedBatch);
        Assert.True(ImageEncoder.Cosine(a, b) > ImageEncoder.Cosine(a, c), "the same scene 3 frames later is not closer than another scene");
    }

    private static (BoxF[] Early, BoxF[] Late, (int, int)[] Pairs) FindPeople()
    {
        using var detector = TestModels.PersonDetector();
        using var frame100 = TestModels.ReadFrame(HallVideo, 100);
        using var frame115 = TestModels.ReadFrame(HallVideo, 115);
        var d100 = new List<Detection>();
        var d115 = new List<Detection>();
        detector.Detect(frame100, d100);
        detector.Detect(frame115, d115);
        var early = d100.Select(d => d.Box).ToArray();
        var late = d115.Select(d => d.Box).ToArray();
        var pairs = new List<(int, int)>();
        for (var i = 0; i < early.Length; i++)
        {
            var best = -1;
            var bestIoU = 0.5f;
            for (var j = 0; j < late.Length; j++)
            {
                var iou = BoxF.IoU(early[i], late[j]);
                if (iou > bestIoU) { bestIoU = iou; best = j; }
            }
            if (best >= 0) pairs.Add((i, best));
        }
        return (early, late, pairs.ToArray());
    }
}
