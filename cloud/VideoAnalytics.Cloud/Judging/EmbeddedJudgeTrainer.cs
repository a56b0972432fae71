using System.Globalization;
using OpenCvSharp;

namespace VideoAnalytics.Cloud.Judging;

/// <summary>One labelled clip's features, with the group its footage came from (for grouped cross-validation).</summary>
public sealed record LabelledFeatures(string File, bool Fight, string Group, double[] Features);

/// <summary>Grouped cross-validation scores: every clip is scored by a head that never saw its source group.</summary>
public sealed record CrossValidation(int Clips, int Groups, double Accuracy, double Auc, double FightRecall, double NoFightRecall);

/// <summary>
/// Trains the embedded judge's logistic head from labelled videos (<c>fight_labels.csv</c>): keyframes are sampled from
/// each video as an edge clip would carry them (JPEG round trip included), features computed as at judging time,
/// scored by cross-validation grouped by <c>source_group</c>, then fitted on everything.
/// </summary>
public static class EmbeddedJudgeTrainer
{
    public static List<LabelledFeatures> ExtractFeatures(string labelsCsv, int keyframes, CancellationToken ct)
    {
        var root = Path.GetDirectoryName(Path.GetFullPath(labelsCsv))!;
        var lines = File.ReadAllLines(labelsCsv);
        var header = lines[0].Split(',');
        int iFile = Array.IndexOf(header, "file"), iLabel = Array.IndexOf(header, "label"), iGroup = Array.IndexOf(header, "source_group");
        if (iFile < 0 || iLabel < 0 || iGroup < 0) throw new InvalidDataException($"{labelsCsv} lacks file/label/source_group columns");
        var result = new List<LabelledFeatures>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            ct.ThrowIfCancellationRequested();
            var p = line.Split(',');
            var frames = SampleKeyframes(Path.Combine(root, p[iFile]), keyframes);
            try
            {
                if (frames.Count < 2) continue;
                result.Add(new LabelledFeatures(p[iFile], p[iLabel] == "fight", p[iGroup], EmbeddedJudgeFeatures.Compute(frames, null)));
            }
            finally
            {
                foreach (var f in frames) f.Dispose();
            }
        }
        return result;
    }

    /// <summary>Each clip's fight probability from a head fitted without the clip's source group (0.5 where none could be fitted).</summary>
    public static double[] HeldOutProbabilities(IReadOnlyList<LabelledFeatures> data)
    {
        var scores = Enumerable.Repeat(0.5, data.Count).ToArray();
        foreach (var g in data.Select(d => d.Group).Distinct())
        {
            var train = data.Where(d => d.Group != g).ToList();
            if (train.Select(d => d.Fight).Distinct().Count() < 2) continue;
            var w = Fit(train, "cv", "");
            for (var i = 0; i < data.Count; i++) if (data[i].Group == g) scores[i] = w.Probability(data[i].Features);
        }
        return scores;
    }

    public static CrossValidation CrossValidate(IReadOnlyList<LabelledFeatures> data)
    {
        var scores = HeldOutProbabilities(data);
        var groups = data.Select(d => d.Group).Distinct().ToList();
        var correct = data.Select((d, i) => (scores[i] >= 0.5) == d.Fight).Count(x => x);
        var fights = data.Select((d, i) => (d, i)).Where(x => x.d.Fight).ToList();
        var nofights = data.Select((d, i) => (d, i)).Where(x => !x.d.Fight).ToList();
        var auc = fights.Count == 0 || nofights.Count == 0 ? 0.5
            : fights.Sum(f => nofights.Sum(n => scores[f.i] > scores[n.i] ? 1.0 : scores[f.i] == scores[n.i] ? 0.5 : 0)) / (fights.Count * (double)nofights.Count);
        return new CrossValidation(data.Count, groups.Count, correct / (double)data.Count, auc,
            fights.Count(f => scores[f.i] >= 0.5) / (double)Math.Max(1, fights.Count),
            nofights.Count(n => scores[n.i] < 0.5) / (double)Math.Max(1, nofights.Count));
    }

    /// <summary>L2-regularised logistic regression on standardised features, classes weighted to balance.</summary>
    public static EmbeddedJudgeWeights Fit(IReadOnlyList<LabelledFeatures> data, string version, string trainedOn)
    {
        var n = EmbeddedJudgeFeatures.Names.Length;
        var mean = new double[n];
        var std = new double[n];
        for (var j = 0; j < n; j++)
        {
            mean[j] = data.Average(d => d.Features[j]);
            std[j] = Math.Sqrt(data.Average(d => (d.Features[j] - mean[j]) * (d.Features[j] - mean[j])));
            if (std[j] < 1e-9) std[j] = 1;
        }
        var x = data.Select(d => d.Features.Select((v, j) => (v - mean[j]) / std[j]).ToArray()).ToArray();
        var y = data.Select(d => d.Fight ? 1.0 : 0.0).ToArray();
        var positives = y.Sum();
        var wPos = data.Count / (2 * Math.Max(1, positives));
        var wNeg = data.Count / (2 * Math.Max(1, data.Count - positives));
        var w = new double[n];
        double b = 0;
        const double rate = 0.1, l2 = 0.05;
        for (var iter = 0; iter < 2000; iter++)
        {
            var gw = new double[n];
            double gb = 0;
            for (var i = 0; i < x.Length; i++)
            {
                var z = b;
                for (var j = 0; j < n; j++) z += w[j] * x[i][j];
                var err = (1 / (1 + Math.Exp(-z)) - y[i]) * (y[i] > 0.5 ? wPos : wNeg);
                for (var j = 0; j < n; j++) gw[j] += err * x[i][j];
                gb += err;
            }
            for (var j = 0; j < n; j++) w[j] -= rate * (gw[j] / x.Length + l2 * w[j]);
            b -= rate * gb / x.Length;
        }
        return new EmbeddedJudgeWeights(version, EmbeddedJudgeFeatures.Names, mean, std, w, b, 0.6, 0.4, trainedOn);
    }

    /// <summary>Evenly spread frames of a video, each JPEG-encoded and decoded again as an edge keyframe would be.</summary>
    public static List<Mat> SampleKeyframes(string video, int count)
    {
        using var capture = new VideoCapture(video);
        if (!capture.IsOpened()) throw new IOException($"cannot open video {video}");
        var all = new List<Mat>();
        try
        {
            while (true)
            {
                var m = new Mat();
                if (!capture.Read(m) || m.Empty()) { m.Dispose(); break; }
                all.Add(m);
            }
            var picked = new List<Mat>();
            for (var i = 0; i < Math.Min(count, all.Count); i++)
            {
                var src = all[(int)Math.Round(i * (all.Count - 1) / (double)Math.Max(1, count - 1))];
                Cv2.ImEncode(".jpg", src, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 85));
                picked.Add(Cv2.ImDecode(jpeg, ImreadModes.Color));
            }
            return picked;
        }
        finally
        {
            foreach (var m in all) m.Dispose();
        }
    }

    public static string Describe(CrossValidation cv) => string.Create(CultureInfo.InvariantCulture,
        $"grouped CV over {cv.Groups} source groups, {cv.Clips} clips: accuracy {cv.Accuracy:0.000}, AUC {cv.Auc:0.000}, fight recall {cv.FightRecall:0.000}, nofight recall {cv.NoFightRecall:0.000}");
}
