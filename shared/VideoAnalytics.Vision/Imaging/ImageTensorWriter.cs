using OpenCvSharp;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Vision.Imaging;

/// <summary>
/// Writes an 8-bit BGR image of exactly the model's input size into a float tensor slot, applying the manifest's
/// layout (NCHW/NHWC), colour order and <c>(x*scale - mean)/std</c> in one pass, without allocating.
/// </summary>
public sealed class ImageTensorWriter
{
    private readonly float[] _mul = new float[3];
    private readonly float[] _add = new float[3];
    private readonly bool _nhwc;
    private readonly bool _rgb;

    public ImageTensorWriter(ModelInput input)
    {
        Width = input.Width;
        Height = input.Height;
        _nhwc = input.Layout == "nhwc";
        _rgb = input.ColorOrder == "rgb";
        for (var c = 0; c < 3; c++)
        {
            // c indexes the model's channel order; mean/std are given in that order too.
            var mean = input.Mean?[c] ?? 0;
            var std = input.Std?[c] ?? 1;
            _mul[c] = (float)(input.Scale / std);
            _add[c] = (float)(-mean / std);
        }
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Floats per image: 3 x height x width.</summary>
    public int ImageLength => 3 * Width * Height;

    /// <summary>Writes <paramref name="bgr"/> (CV_8UC3, Width x Height) into <paramref name="destination"/> (one image's slot).</summary>
    public unsafe void Write(Mat bgr, Span<float> destination)
    {
        if (bgr.Type() != MatType.CV_8UC3 || bgr.Cols != Width || bgr.Rows != Height)
        {
            throw new ArgumentException($"image must be CV_8UC3 {Width}x{Height}, got {bgr.Type()} {bgr.Cols}x{bgr.Rows}", nameof(bgr));
        }
        if (destination.Length < ImageLength) throw new ArgumentException($"destination holds {destination.Length} floats, needs {ImageLength}", nameof(destination));
        // Model channel c reads source (BGR) channel src[c].
        int s0 = _rgb ? 2 : 0, s2 = _rgb ? 0 : 2;
        float m0 = _mul[0], m1 = _mul[1], m2 = _mul[2], a0 = _add[0], a1 = _add[1], a2 = _add[2];
        var plane = Width * Height;
        var step = (long)bgr.Step();
        var basePtr = (byte*)bgr.Data;
        fixed (float* dst = destination)
        {
            for (var y = 0; y < Height; y++)
            {
                var row = basePtr + y * step;
                var o = y * Width;
                if (_nhwc)
                {
                    var d = dst + o * 3;
                    for (var x = 0; x < Width; x++)
                    {
                        var p = row + x * 3;
                        d[0] = p[s0] * m0 + a0;
                        d[1] = p[1] * m1 + a1;
                        d[2] = p[s2] * m2 + a2;
                        d += 3;
                    }
                }
                else
                {
                    float* d0 = dst + o, d1 = dst + plane + o, d2 = dst + 2 * plane + o;
                    for (var x = 0; x < Width; x++)
                    {
                        var p = row + x * 3;
                        d0[x] = p[s0] * m0 + a0;
                        d1[x] = p[1] * m1 + a1;
                        d2[x] = p[s2] * m2 + a2;
                    }
                }
            }
        }
    }
}
