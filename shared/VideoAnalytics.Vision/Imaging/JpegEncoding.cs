using OpenCvSharp;
using VideoAnalytics.Vision.Detection;

namespace VideoAnalytics.Vision.Imaging;

/// <summary>JPEG bytes for keyframes and track thumbnails (clips, alerts, the console).</summary>
public static class JpegEncoding
{
    /// <summary>Encodes a BGR image at <paramref name="quality"/> (1-100).</summary>
    public static byte[] Encode(Mat bgr, int quality = 85)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        if (bgr.Empty()) throw new ArgumentException("image is empty", nameof(bgr));
        if (quality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(quality), quality, "JPEG quality is 1-100");
        Cv2.ImEncode(".jpg", bgr, out var bytes, new ImageEncodingParam(ImwriteFlags.JpegQuality, quality));
        if (bytes is not { Length: > 0 })
        {
            throw new InvalidOperationException("OpenCV could not encode the image as JPEG");
        }
        return bytes;
    }

    /// <summary>
    /// A small JPEG of the region under <paramref name="box"/>, widened by <paramref name="margin"/> (fraction of the box)
    /// and clipped to the frame, scaled down so its longer side is at most <paramref name="maxSide"/> pixels.
    /// </summary>
    public static byte[] EncodeCrop(Mat bgrFrame, BoxF box, int quality = 80, int maxSide = 256, float margin = 0.1f)
    {
        ArgumentNullException.ThrowIfNull(bgrFrame);
        if (maxSide < 8) throw new ArgumentOutOfRangeException(nameof(maxSide), maxSide, "a thumbnail side must be at least 8 pixels");
        var widened = new BoxF(box.X - box.W * margin, box.Y - box.H * margin, box.W * (1 + 2 * margin), box.H * (1 + 2 * margin));
        var rect = Encoding.ImageEncoder.CropRect(widened, bgrFrame.Width, bgrFrame.Height);
        using var crop = new Mat(bgrFrame, rect);
        var longer = Math.Max(rect.Width, rect.Height);
        if (longer <= maxSide) return Encode(crop, quality);
        var scale = (double)maxSide / longer;
        using var small = new Mat();
        Cv2.Resize(crop, small, new Size(Math.Max(1, (int)Math.Round(rect.Width * scale)), Math.Max(1, (int)Math.Round(rect.Height * scale))), 0, 0, InterpolationFlags.Area);
        return Encode(small, quality);
    }
}
