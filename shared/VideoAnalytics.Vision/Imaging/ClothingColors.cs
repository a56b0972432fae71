using OpenCvSharp;
using VideoAnalytics.Vision.Detection;

namespace VideoAnalytics.Vision.Imaging;

/// <summary>The named palette for clothing colours, as a security operator would say them.</summary>
public enum NamedColor
{
    Black,
    White,
    Grey,
    Red,
    Orange,
    Yellow,
    Green,
    Blue,
    Purple,
    Pink,
    Brown,
}

/// <summary>Dominant colour of a body region and the share of its pixels that had it.</summary>
public readonly record struct RegionColor(NamedColor Color, float Share);

/// <summary>Dominant colours of the upper body (torso) and lower body (legs) of a person box.</summary>
public readonly record struct ClothingColors(RegionColor Upper, RegionColor Lower);

/// <summary>
/// Finds the dominant named colour of the torso and legs of a standing person: each pixel of the central part of
/// the region is named in HSV, and the most frequent name wins. Reuses its HSV buffer; not thread-safe.
/// </summary>
public sealed class ClothingColorAnalyzer : IDisposable
{
    private const int PaletteSize = 11;
    private readonly Mat _hsv = new();
    private readonly int[] _histogram = new int[PaletteSize];

    public ClothingColors Analyze(Mat bgrFrame, BoxF person)
    {
        ArgumentNullException.ThrowIfNull(bgrFrame);
        if (bgrFrame.Empty() || bgrFrame.Type() != MatType.CV_8UC3) throw new ArgumentException("frame must be a non-empty CV_8UC3 BGR image", nameof(bgrFrame));
        // Torso: below the head, above the belt; legs: below the hips, above the feet; central columns avoid background.
        var upper = Region(person, 0.18f, 0.50f, 0.25f, 0.75f);
        var lower = Region(person, 0.58f, 0.90f, 0.30f, 0.70f);
        return new ClothingColors(Dominant(bgrFrame, upper), Dominant(bgrFrame, lower));
    }

    /// <summary>Names one HSV colour (OpenCV ranges: H 0-179, S and V 0-255).</summary>
    public static NamedColor Name(byte h, byte s, byte v)
    {
        if (v < 60) return NamedColor.Black;
        if (s < 45 || (s < 70 && v < 100)) return v > 190 ? NamedColor.White : v < 90 ? NamedColor.Black : NamedColor.Grey;
        var hue = h * 2; // degrees
        if (hue is >= 10 and < 45 && v < 160) return NamedColor.Brown;
        if (hue < 15 || hue >= 345) return s < 130 && v > 150 ? NamedColor.Pink : NamedColor.Red;
        if (hue < 40) return NamedColor.Orange;
        if (hue < 70) return NamedColor.Yellow;
        if (hue < 165) return NamedColor.Green;
        if (hue < 255) return NamedColor.Blue;
        if (hue < 290) return NamedColor.Purple;
        return NamedColor.Pink;
    }

    private static BoxF Region(BoxF b, float top, float bottom, float left, float right) =>
        new(b.X + b.W * left, b.Y + b.H * top, b.W * (right - left), b.H * (bottom - top));

    private unsafe RegionColor Dominant(Mat frame, BoxF region)
    {
        var rect = Encoding.ImageEncoder.CropRect(region, frame.Width, frame.Height);
        using (var roi = new Mat(frame, rect)) Cv2.CvtColor(roi, _hsv, ColorConversionCodes.BGR2HSV);
        Array.Clear(_histogram);
        var total = 0;
        var step = (long)_hsv.Step();
        var data = (byte*)_hsv.Data;
        int rows = _hsv.Rows, cols = _hsv.Cols;
        for (var y = 0; y < rows; y++)
        {
            var p = data + y * step;
            for (var x = 0; x < cols; x++, p += 3)
            {
                _histogram[(int)Name(p[0], p[1], p[2])]++;
                total++;
            }
        }
        var best = 0;
        for (var i = 1; i < PaletteSize; i++) if (_histogram[i] > _histogram[best]) best = i;
        return new RegionColor((NamedColor)best, total == 0 ? 0 : (float)_histogram[best] / total);
    }

    public void Dispose() => _hsv.Dispose();
}
