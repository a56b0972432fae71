using OpenCvSharp;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Judging;

/// <summary>
/// Features of a whole clip for the embedded judge: dense Farneback optical flow between consecutive keyframes (how
/// much moves, how fast, how disordered the directions are, how bursty over time), frame differences, and the people
/// the edge boxed in the keyframes (how many, how close, how much they overlap).
/// </summary>
public static class EmbeddedJudgeFeatures
{
    public const int AnalysisWidth = 160;

    public static readonly string[] Names =
    [
        "flow_mean", "flow_std", "flow_moving_fraction", "flow_direction_entropy", "flow_burstiness", "frame_diff",
        "people_max", "people_min_distance", "people_max_overlap",
    ];

    /// <summary>Computes <see cref="Names"/> for frames given as BGR or grey images, in time order.</summary>
    public static double[] Compute(IReadOnlyList<Mat> frames, IReadOnlyList<Keyframe>? keyframes)
    {
        var f = new double[Names.Length];
        var magnitudes = new List<double>();
        double std = 0, moving = 0, entropy = 0, diff = 0;
        using var prev = new Mat();
        using var gray = new Mat();
        using var flow = new Mat();
        using var mag = new Mat();
        using var ang = new Mat();
        using var absDiff = new Mat();
        var pairs = 0;
        for (var i = 0; i < frames.Count; i++)
        {
            Prepare(frames[i], gray);
            if (i > 0 && prev.Size() == gray.Size())
            {
                Cv2.CalcOpticalFlowFarneback(prev, gray, flow, 0.5, 3, 15, 3, 5, 1.2, OpticalFlowFlags.None);
                var channels = flow.Split();
                Cv2.CartToPolar(channels[0], channels[1], mag, ang, angleInDegrees: true);
                foreach (var c in channels) c.Dispose();
                Cv2.MeanStdDev(mag, out var m, out var s);
                magnitudes.Add(m.Val0);
                std += s.Val0;
                (var frac, var ent) = DirectionStats(mag, ang);
                moving += frac;
                entropy += ent;
                Cv2.Absdiff(prev, gray, absDiff);
                diff += Cv2.Mean(absDiff).Val0 / 255.0;
                pairs++;
            }
            gray.CopyTo(prev);
        }
        if (pairs > 0)
        {
            var mean = magnitudes.Average();
            f[0] = mean;
            f[1] = std / pairs;
            f[2] = moving / pairs;
            f[3] = entropy / pairs;
            f[4] = magnitudes.Count > 1 ? Math.Sqrt(magnitudes.Average(x => (x - mean) * (x - mean))) / (mean + 1e-3) : 0;
            f[5] = diff / pairs;
        }
        (f[6], f[7], f[8]) = People(keyframes);
        return f;
    }

    private static void Prepare(Mat frame, Mat gray)
    {
        using var g = frame.Channels() == 1 ? frame.Clone() : frame.CvtColor(ColorConversionCodes.BGR2GRAY);
        var height = Math.Max(8, (int)Math.Round(g.Rows * (AnalysisWidth / (double)Math.Max(1, g.Cols))));
        Cv2.Resize(g, gray, new Size(AnalysisWidth, height), interpolation: InterpolationFlags.Area);
    }

    /// <summary>Fraction of pixels moving over 1 px, and the normalised entropy of their directions in 8 bins.</summary>
    private static (double Fraction, double Entropy) DirectionStats(Mat mag, Mat ang)
    {
        Span<int> bins = stackalloc int[8];
        mag.GetArray(out float[] magnitudes);
        ang.GetArray(out float[] angles);
        var total = magnitudes.Length;
        var moving = 0;
        for (var i = 0; i < magnitudes.Length; i++)
        {
            if (magnitudes[i] <= 1f) continue;
            moving++;
            bins[Math.Min(7, (int)(angles[i] / 45f))]++;
        }
        if (moving == 0) return (0, 0);
        double h = 0;
        foreach (var b in bins)
        {
            if (b == 0) continue;
            var p = b / (double)moving;
            h -= p * Math.Log(p);
        }
        return (moving / (double)total, h / Math.Log(8));
    }

    private static (double Max, double MinDistance, double MaxOverlap) People(IReadOnlyList<Keyframe>? keyframes)
    {
        double max = 0, minDistance = 1, maxOverlap = 0;
        foreach (var k in keyframes ?? [])
        {
            var people = k.Boxes.Where(b => b.ClassName == "person").ToList();
            max = Math.Max(max, people.Count);
            for (var i = 0; i < people.Count; i++)
            {
                for (var j = i + 1; j < people.Count; j++)
                {
                    var (a, b) = (people[i], people[j]);
                    var dx = (a.X + a.W / 2) - (b.X + b.W / 2);
                    var dy = (a.Y + a.H / 2) - (b.Y + b.H / 2);
                    minDistance = Math.Min(minDistance, Math.Sqrt(dx * dx + dy * dy));
                    var ix = Math.Max(0, Math.Min(a.X + a.W, b.X + b.W) - Math.Max(a.X, b.X));
                    var iy = Math.Max(0, Math.Min(a.Y + a.H, b.Y + b.H) - Math.Max(a.Y, b.Y));
                    var union = a.W * a.H + b.W * b.H - ix * iy;
                    if (union > 0) maxOverlap = Math.Max(maxOverlap, ix * iy / union);
                }
            }
        }
        return (max, minDistance, maxOverlap);
    }
}
