using OpenCvSharp;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Imaging;

namespace VideoAnalytics.Vision.Tests;

public sealed class JpegCropsAreSmallTests
{
    [Fact]
    public void A_person_crop_becomes_a_small_decodable_jpeg_of_the_box_with_margin()
    {
        using var frame = TestModels.ReadFrame(TestEnvironment.PedestrianVideo, 200);
        var box = new BoxF(100, 100, 50, 120);

        var bytes = JpegEncoding.EncodeCrop(frame, box, quality: 80, maxSide: 256, margin: 0.1f);

        Assert.Equal(0xFF, bytes[0]);
        Assert.Equal(0xD8, bytes[1]);
        using var decoded = Cv2.ImDecode(bytes, ImreadModes.Color);
        Assert.Equal(60, decoded.Width);
        Assert.Equal(144, decoded.Height);
        Assert.InRange(bytes.Length, 500, 20_000);
    }

    [Fact]
    public void Large_crops_are_scaled_to_the_longest_side_and_quality_trades_size()
    {
        using var frame = TestModels.ReadFrame(TestEnvironment.PedestrianVideo, 200);
        var whole = new BoxF(0, 0, frame.Width, frame.Height);

        var good = JpegEncoding.EncodeCrop(frame, whole, quality: 90, maxSide: 160, margin: 0);
        var poor = JpegEncoding.EncodeCrop(frame, whole, quality: 30, maxSide: 160, margin: 0);

        using var decoded = Cv2.ImDecode(good, ImreadModes.Color);
        Assert.Equal(160, decoded.Width);
        Assert.Equal(120, decoded.Height);
        Assert.True(poor.Length < good.Length, $"quality 30 gave {poor.Length} bytes, quality 90 gave {good.Length}");
    }

    [Fact]
    public void Quality_outside_1_to_100_is_refused()
    {
        using var image = new Mat(8, 8, MatType.CV_8UC3, Scalar.All(0));

        Assert.Throws<ArgumentOutOfRangeException>(() => JpegEncoding.Encode(image, 0));
    }
}
