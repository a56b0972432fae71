using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Imaging;

namespace VideoAnalytics.Vision.Tests;

using Detection = VideoAnalytics.Vision.Detection.Detection;

/// <summary>The YOLOv8 layout <c>[1, 4+C, N]</c> decoded from a hand-built tensor.</summary>
public sealed class YoloV8DecoderTests
{
    private const int Classes = 3;
    private const int Anchors = 6;

    private static void SetAnchor(float[] t, int i, float cx, float cy, float w, float h, int cls, float score)
    {
        t[i] = cx; t[Anchors + i] = cy; t[2 * Anchors + i] = w; t[3 * Anchors + i] = h;
        t[(4 + cls) * Anchors + i] = score;
    }

    private static float[] Tensor()
    {
        var t = new float[(4 + Classes) * Anchors];
        SetAnchor(t, 0, 100, 100, 40, 80, 0, 0.9f);   // person
        SetAnchor(t, 1, 104, 102, 40, 80, 0, 0.7f);   // same person, suppressed by NMS
        SetAnchor(t, 2, 104, 102, 40, 80, 2, 0.6f);   // same place, other class: kept (per-class NMS)
        SetAnchor(t, 3, 300, 200, 60, 60, 1, 0.2f);   // below threshold
        SetAnchor(t, 4, 500, 300, 50, 100, 0, 0.5f);  // second person
        return t;                                      // anchor 5: all zero
    }

    [Fact]
    public void Decodes_boxes_scores_and_classes_with_per_class_nms()
    {
        var decoder = new YoloOutputDecoder(YoloFormat.Yolov8, 640, 640, Classes, Anchors, null, 0.25f, 0.45f, 100);
        var identity = new LetterboxTransform(1, 0, 0, 640, 640);
        var output = new List<Detection>();

        decoder.Decode(Tensor(), identity, output);

        Assert.Equal(3, output.Count);
        Assert.Equal(new Detection(new BoxF(80, 60, 40, 80), 0, 0.9f), output[0]);
        Assert.Equal(2, output[1].ClassId);
        Assert.Equal(0.6f, output[1].Score);
        Assert.Equal(new BoxF(475, 250, 50, 100), output[2].Box);
    }

    [Fact]
    public void Maps_boxes_back_through_a_centred_letterbox()
    {
        // A 1280x640 frame on a 640x640 canvas: scale 0.5, padded 160 px top and bottom.
        var decoder = new YoloOutputDecoder(YoloFormat.Yolov8, 640, 640, Classes, Anchors, null, 0.25f, 0.45f, 100);
        var transform = new LetterboxTransform(0.5f, 0, 160, 1280, 640);
        var output = new List<Detection>();

        decoder.Decode(Tensor(), transform, output);

        // Anchors 0-2 lie in the top padding, so nothing of them is in the frame; anchor 4 maps to frame pixels.
        var only = Assert.Single(output);
        Assert.Equal(new BoxF(950, 180, 100, 200), only.Box);
    }

    [Fact]
    public void Class_filter_drops_other_classes()
    {
        var decoder = new YoloOutputDecoder(YoloFormat.Yolov8, 640, 640, Classes, Anchors, [false, false, true], 0.25f, 0.45f, 100);
        var output = new List<Detection>();

        decoder.Decode(Tensor(), new LetterboxTransform(1, 0, 0, 640, 640), output);

        var only = Assert.Single(output);
        Assert.Equal(2, only.ClassId);
    }

    [Fact]
    public void Yolox_row_count_must_match_the_input_grid()
    {
        var e = Assert.Throws<ArgumentException>(() => new YoloOutputDecoder(YoloFormat.Yolox, 320, 320, 80, 3549, null, 0.3f, 0.45f, 100));
        Assert.Contains("3549", e.Message);
    }
}
