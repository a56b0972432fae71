using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Judging;

/// <summary>Weights of the embedded judge: standardisation and a logistic head over <see cref="EmbeddedJudgeFeatures.Names"/>.</summary>
public sealed record EmbeddedJudgeWeights(
    string Version, string[] Features, double[] Mean, double[] Std, double[] Weights, double Bias,
    double FightAt, double NoFightAt, string TrainedOn)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public double Probability(double[] features)
    {
        var z = Bias;
        for (var i = 0; i < Weights.Length; i++) z += Weights[i] * (features[i] - Mean[i]) / (Std[i] > 1e-9 ? Std[i] : 1);
        return 1 / (1 + Math.Exp(-z));
    }

    public static EmbeddedJudgeWeights Load(string? path)
    {
        using var stream = path is { Length: > 0 }
            ? File.OpenRead(path)
            : typeof(EmbeddedJudgeWeights).Assembly.GetManifestResourceStream("VideoAnalytics.Cloud.Judging.embedded-judge-weights.json")
              ?? throw new InvalidOperationException("embedded judge weights are missing from the assembly");
        var w = JsonSerializer.Deserialize<EmbeddedJudgeWeights>(stream, Json)
            ?? throw new InvalidDataException($"embedded judge weights {path} are JSON null");
        if (!w.Features.SequenceEqual(EmbeddedJudgeFeatures.Names) || w.Mean.Length != w.Features.Length || w.Std.Length != w.Features.Length
            || w.Weights.Length != w.Features.Length || !w.Weights.Concat(w.Mean).Concat(w.Std).Append(w.Bias).All(double.IsFinite)
            || !(w.NoFightAt < w.FightAt))
        {
            throw new InvalidDataException($"embedded judge weights {path ?? "(shipped)"} do not match features {string.Join(',', EmbeddedJudgeFeatures.Names)}");
        }
        return w;
    }
}

/// <summary>
/// The judge used when no VLM server is configured: runs on the CPU in the silo over all the clip's keyframes with
/// flow and people features (<see cref="EmbeddedJudgeFeatures"/>) and a logistic head trained on labelled clips. Its
/// name says what it is on every judgment; it is not a VLM.
/// </summary>
public sealed class EmbeddedJudge(IOptions<JudgeOptions> options) : IJudge
{
    private readonly EmbeddedJudgeWeights weights = EmbeddedJudgeWeights.Load(options.Value.EmbeddedWeightsPath);

    public string Backend => $"embedded-flow-features/{weights.Version}";

    public Task<JudgeResult> JudgeAsync(JudgeRequest request, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var frames = new List<Mat>();
        try
        {
            foreach (var jpeg in request.KeyframesJpeg)
            {
                ct.ThrowIfCancellationRequested();
                var m = Cv2.ImDecode(jpeg.Span, ImreadModes.Color);
                if (m.Empty()) { m.Dispose(); continue; }
                frames.Add(m);
            }
            if (frames.Count < 2)
                return Task.FromResult(new JudgeResult(Verdict.Unsure, 0, "fewer than two keyframes could be decoded", Backend, Stopwatch.GetElapsedTime(started)));
            var features = EmbeddedJudgeFeatures.Compute(frames, request.Manifest.Keyframes);
            var p = weights.Probability(features);
            var (verdict, confidence) = p >= weights.FightAt ? (Verdict.Fight, p)
                : p <= weights.NoFightAt ? (Verdict.NoFight, 1 - p)
                : (Verdict.Unsure, 1 - Math.Abs(p - 0.5) * 2);
            return Task.FromResult(new JudgeResult(verdict, confidence, Explain(features, p), Backend, Stopwatch.GetElapsedTime(started)));
        }
        finally
        {
            foreach (var m in frames) m.Dispose();
        }
    }

    private static string Explain(double[] f, double p)
    {
        var motion = f[0] > 2 ? "fast" : f[0] > 0.7 ? "moderate" : "little";
        var order = f[3] > 0.8 ? "in many directions at once" : f[3] > 0.5 ? "in mixed directions" : "mostly one way";
        var people = f[6] >= 2 ? $"{f[6]:0} people, closest {f[7]:0.00} frame-widths apart" : f[6] >= 1 ? "one person boxed" : "no people boxed";
        return string.Create(CultureInfo.InvariantCulture,
            $"{motion} motion {order} ({f[2]:P0} of the picture moving); {people}; fight score {p:0.00}");
    }
}
