using OpenCvSharp;
using VideoAnalytics.Vision.Detection;

namespace VideoAnalytics.Vision.Gating;

/// <summary>Dense motion inside one box between two analysed frames.</summary>
/// <param name="Magnitude">Mean flow speed in box heights per second.</param>
/// <param name="DirectionSpread">0 when everything moves one way, 1 when directions cancel out (circular variance weighted by speed).</param>
public readonly record struct BoxMotion(float Magnitude, float DirectionSpread);

/// <summary>
/// Farneback optical flow on a small grey copy of each analysed frame. Fights show fast motion in many directions
/// inside the people's boxes; walking shows one direction. All Mats are allocated once and reused.
/// </summary>
public sealed class MotionMeter : IDisposable
{
    private readonly int _width;
    private readonly Mat _small = new();
    private Mat _grey = new();
    private Mat _previousGrey = new();
    private readonly Mat _flow = new();
    private readonly Mat[] _flowXy = [new Mat(), new Mat()];
    private readonly Mat _magnitude = new();
    private TimeSpan _previousPosition;
    private double _scale;
    private double _seconds;

    /// <param name="width">Width of the grey copy the flow runs on (height keeps the aspect ratio).</param>
    public MotionMeter(int width = 160)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 32);
        _width = width;
    }

    /// <summary>True once two frames were seen, so <see cref="Measure"/> has flow to look at.</summary>
    public bool HasFlow { get; private set; }

    /// <summary>Mean flow over the whole frame, in frame heights per second.</summary>
    public float FrameMagnitude { get; private set; }

    /// <summary>Computes the flow from the previous frame to <paramref name="bgr"/>.</summary>
    public void Update(Mat bgr, TimeSpan position)
    {
        _scale = (double)_width / bgr.Cols;
        var height = Math.Max(16, (int)Math.Round(bgr.Rows * _scale));
        Cv2.Resize(bgr, _small, new Size(_width, height), 0, 0, InterpolationFlags.Area);
        Cv2.CvtColor(_small, _grey, ColorConversionCodes.BGR2GRAY);
        _seconds = (position - _previousPosition).TotalSeconds;
        HasFlow = !_previousGrey.Empty() && _previousGrey.Size() == _grey.Size() && _seconds > 0 && _seconds < 5;
        if (HasFlow)
        {
            Cv2.CalcOpticalFlowFarneback(_previousGrey, _grey, _flow, 0.5, 2, 9, 2, 5, 1.1, OpticalFlowFlags.None);
            Cv2.ExtractChannel(_flow, _flowXy[0], 0);
            Cv2.ExtractChannel(_flow, _flowXy[1], 1);
            // Directions come from the x/y sums in Measure (m·cos θ = x, m·sin θ = y): no per-pixel angle needed.
            Cv2.Magnitude(_flowXy[0], _flowXy[1], _magnitude);
            FrameMagnitude = (float)(Cv2.Mean(_magnitude).Val0 / _grey.Rows / _seconds);
        }
        else
        {
            FrameMagnitude = 0;
        }
        (_previousGrey, _grey) = (_grey, _previousGrey);
        _previousPosition = position;
    }

    /// <summary>Motion inside <paramref name="box"/> (pixels of the original frame) for the last update.</summary>
    public unsafe BoxMotion Measure(in BoxF box)
    {
        if (!HasFlow) return default;
        var x0 = Math.Clamp((int)(box.X * _scale), 0, _magnitude.Cols - 1);
        var y0 = Math.Clamp((int)(box.Y * _scale), 0, _magnitude.Rows - 1);
        var x1 = Math.Clamp((int)Math.Ceiling(box.Right * _scale), x0 + 1, _magnitude.Cols);
        var y1 = Math.Clamp((int)Math.Ceiling(box.Bottom * _scale), y0 + 1, _magnitude.Rows);
        double sum = 0, sumCos = 0, sumSin = 0;
        for (var y = y0; y < y1; y++)
        {
            var mag = (float*)_magnitude.Ptr(y);
            var dx = (float*)_flowXy[0].Ptr(y);
            var dy = (float*)_flowXy[1].Ptr(y);
            for (var x = x0; x < x1; x++)
            {
                sum += mag[x];
                sumCos += dx[x];
                sumSin += dy[x];
            }
        }
        var count = (x1 - x0) * (y1 - y0);
        var boxHeight = Math.Max(1, (y1 - y0));
        var magnitude = sum / count / boxHeight / _seconds;
        var spread = sum > 1e-6 ? 1 - Math.Sqrt(sumCos * sumCos + sumSin * sumSin) / sum : 0;
        return new BoxMotion((float)magnitude, (float)spread);
    }

    public void Dispose()
    {
        _small.Dispose();
        _grey.Dispose();
        _previousGrey.Dispose();
        _flow.Dispose();
        _flowXy[0].Dispose();
        _flowXy[1].Dispose();
        _magnitude.Dispose();
    }
}
