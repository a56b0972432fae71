namespace VideoAnalytics.Vision.Detection;

/// <summary>An axis-aligned box in pixels of the original frame: top-left corner, width, height.</summary>
public readonly record struct BoxF(float X, float Y, float W, float H)
{
    public float Right => X + W;
    public float Bottom => Y + H;
    public float CenterX => X + W / 2;
    public float CenterY => Y + H / 2;
    public float Area => W <= 0 || H <= 0 ? 0 : W * H;

    public static float IoU(in BoxF a, in BoxF b)
    {
        var ix = MathF.Max(0, MathF.Min(a.Right, b.Right) - MathF.Max(a.X, b.X));
        var iy = MathF.Max(0, MathF.Min(a.Bottom, b.Bottom) - MathF.Max(a.Y, b.Y));
        var inter = ix * iy;
        var union = a.Area + b.Area - inter;
        return union <= 0 ? 0 : inter / union;
    }
}

/// <summary>One detected object: box in frame pixels, class index into the model's labels, score 0..1.</summary>
public readonly record struct Detection(BoxF Box, int ClassId, float Score);

/// <summary>An object detector that runs on a decoded BGR frame.</summary>
public interface IObjectDetector : IDisposable
{
    string ModelName { get; }

    IReadOnlyList<string> Labels { get; }

    /// <summary>Detects objects in <paramref name="bgrFrame"/>, clearing and filling <paramref name="output"/> (reused by the caller).</summary>
    void Detect(OpenCvSharp.Mat bgrFrame, List<Detection> output);
}
