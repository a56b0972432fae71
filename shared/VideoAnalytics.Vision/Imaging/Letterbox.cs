using OpenCvSharp;
using VideoAnalytics.Vision.Detection;

namespace VideoAnalytics.Vision.Imaging;

/// <summary>How a frame was placed on the model canvas: canvas = frame * Scale + (PadX, PadY).</summary>
public readonly record struct LetterboxTransform(float Scale, float PadX, float PadY, int FrameWidth, int FrameHeight)
{
    /// <summary>Maps a canvas box (centre, size) back to frame pixels, clipped to the frame.</summary>
    public BoxF ToFrame(float cx, float cy, float w, float h)
    {
        var x1 = Math.Clamp((cx - w / 2 - PadX) / Scale, 0, FrameWidth);
        var y1 = Math.Clamp((cy - h / 2 - PadY) / Scale, 0, FrameHeight);
        var x2 = Math.Clamp((cx + w / 2 - PadX) / Scale, 0, FrameWidth);
        var y2 = Math.Clamp((cy + h / 2 - PadY) / Scale, 0, FrameHeight);
        return new BoxF(x1, y1, x2 - x1, y2 - y1);
    }
}

/// <summary>
/// Resizes frames onto a reused model-size canvas: <c>letterbox</c> (keep aspect, top-left, pad colour, as YOLOX),
/// <c>letterbox-center</c> (keep aspect, centred, as Ultralytics). The canvas and its
/// region of interest are reused while the frame size stays the same.
/// </summary>
public sealed class LetterboxCanvas : IDisposable
{
    private readonly Mat _canvas;
    private readonly string _mode;
    private readonly Scalar _pad;
    private Mat? _roi;
    private Size _frameSize;

    public LetterboxCanvas(int width, int height, string mode, double padValue)
    {
        if (mode is not ("letterbox" or "letterbox-center"))
        {
            throw new ArgumentException($"resize mode '{mode}' is not a letterbox mode (letterbox, letterbox-center)", nameof(mode));
        }
        _mode = mode;
        _pad = Scalar.All(padValue);
        _canvas = new Mat(height, width, MatType.CV_8UC3, _pad);
    }

    /// <summary>The canvas after the last <see cref="Place"/>; owned by this object.</summary>
    public Mat Canvas => _canvas;

    public LetterboxTransform Transform { get; private set; }

    public LetterboxTransform Place(Mat bgrFrame)
    {
        var size = bgrFrame.Size();
        if (_roi is null || size != _frameSize) Layout(size);
        Cv2.Resize(bgrFrame, _roi!, _roi!.Size(), 0, 0, InterpolationFlags.Linear);
        return Transform;
    }

    private void Layout(Size frame)
    {
        if (frame.Width <= 0 || frame.Height <= 0) throw new ArgumentException("frame is empty");
        _roi?.Dispose();
        _canvas.SetTo(_pad);
        _frameSize = frame;
        int cw = _canvas.Cols, ch = _canvas.Rows;
        var r = Math.Min((double)cw / frame.Width, (double)ch / frame.Height);
        var w = Math.Clamp((int)Math.Round(frame.Width * r), 1, cw);
        var h = Math.Clamp((int)Math.Round(frame.Height * r), 1, ch);
        int px = 0, py = 0;
        if (_mode == "letterbox-center") { px = (cw - w) / 2; py = (ch - h) / 2; }
        _roi = new Mat(_canvas, new Rect(px, py, w, h));
        Transform = new LetterboxTransform((float)r, px, py, frame.Width, frame.Height);
    }

    public void Dispose()
    {
        _roi?.Dispose();
        _canvas.Dispose();
    }
}
