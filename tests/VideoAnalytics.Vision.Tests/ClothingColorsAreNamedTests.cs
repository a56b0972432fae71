using OpenCvSharp;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Imaging;

namespace VideoAnalytics.Vision.Tests;

public sealed class ClothingColorsAreNamedTests
{
    private static readonly BoxF Person = new(40, 20, 80, 200);

    /// <summary>A synthetic "person": grey background, a torso colour and a legs colour filling the box halves.</summary>
    private static Mat Figure(Scalar upper, Scalar lower)
    {
        var frame = new Mat(240, 160, MatType.CV_8UC3, new Scalar(90, 140, 90));
        frame.Rectangle(new Rect(40, 20, 80, 110), upper, -1);
        frame.Rectangle(new Rect(40, 130, 80, 90), lower, -1);
        return frame;
    }

    [Theory]
    [InlineData(10, 10, 10, NamedColor.Black)]
    [InlineData(240, 240, 240, NamedColor.White)]
    [InlineData(128, 128, 128, NamedColor.Grey)]
    [InlineData(30, 30, 200, NamedColor.Red)]
    [InlineData(0, 128, 255, NamedColor.Orange)]
    [InlineData(0, 230, 230, NamedColor.Yellow)]
    [InlineData(40, 160, 40, NamedColor.Green)]
    [InlineData(200, 60, 20, NamedColor.Blue)]
    [InlineData(160, 40, 120, NamedColor.Purple)]
    [InlineData(180, 105, 255, NamedColor.Pink)]
    [InlineData(19, 69, 139, NamedColor.Brown)]
    public void Each_palette_colour_is_named_on_the_torso(int b, int g, int r, NamedColor expected)
    {
        using var frame = Figure(new Scalar(b, g, r), new Scalar(10, 10, 10));
        using var analyzer = new ClothingColorAnalyzer();

        var colors = analyzer.Analyze(frame, Person);

        Assert.Equal(expected, colors.Upper.Color);
        Assert.Equal(1f, colors.Upper.Share, 2);
        Assert.Equal(NamedColor.Black, colors.Lower.Color);
    }

    [Fact]
    public void Red_shirt_with_white_stripes_and_blue_jeans_is_red_over_blue()
    {
        using var frame = Figure(new Scalar(30, 30, 200), new Scalar(140, 70, 30));
        for (var y = 30; y < 130; y += 10) frame.Rectangle(new Rect(40, y, 80, 3), new Scalar(245, 245, 245), -1); // 30% white
        using var noise = new Mat(frame.Size(), MatType.CV_8UC3);
        Cv2.Randn(noise, Scalar.All(0), Scalar.All(12));
        Cv2.Add(frame, noise, frame);
        using var analyzer = new ClothingColorAnalyzer();

        var colors = analyzer.Analyze(frame, Person);

        Assert.Equal(NamedColor.Red, colors.Upper.Color);
        Assert.InRange(colors.Upper.Share, 0.5f, 0.9f);
        Assert.Equal(NamedColor.Blue, colors.Lower.Color);
    }

    [Fact]
    public void A_box_partly_outside_the_frame_is_clipped()
    {
        using var frame = Figure(new Scalar(30, 30, 200), new Scalar(140, 70, 30));
        using var analyzer = new ClothingColorAnalyzer();

        var colors = analyzer.Analyze(frame, new BoxF(-20, 20, 200, 200));

        Assert.True(Enum.IsDefined(colors.Upper.Color));
        Assert.InRange(colors.Lower.Share, 0f, 1f);
    }
}
