using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace VideoAnalytics.Vision.Gating;

/// <summary>The gate features of one labelled video: one row per window (cached by <c>train-gate</c>).</summary>
public sealed record VideoFeatures(string File, bool Fight, string Group, IReadOnlyList<string> FeatureNames, float[][] Windows);

public sealed record GateTrainingOptions
{
    /// <summary>L2 penalty of the logistic regression (on standardised features).</summary>
    public double L2 { get; init; } = 1.0;
    /// <summary>Share of held-out fights that must score at least <c>low</c>.</summary>
    public double TargetRecall { get; init; } = 0.9;
    /// <summary>Share of held-out videos at or above <c>high</c> that must be fights for the gate to be "certain".</summary>
    public double CertainPrecision { get; init; } = 0.95;
    public int Folds { get; init; } = 5;
    public int Seed { get; init; } = 1;
}

/// <summary>A video scored by a model that was not trained on its source group.</summary>
public sealed record HeldOutScore(string File, bool Fight, string Group, int Fold, double Score);

/// <summary>What <c>train-gate</c> writes beside the heads file: grouped-CV figures and every held-out score.</summary>
public sealed record GateTrainingReport(
    int Videos, int Fights, int Groups, int Folds, double Low, double High,
    double Precision, double Recall, double UploadRate, double CertainRate, double CertainPrecision, double Auc,
    string Trainer, IReadOnlyList<HeldOutScore> HeldOut)
{
    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, GateJsonContext.Default.GateTrainingReport);
}

/// <summary>
/// Fits the logistic gate with ML.NET (L-BFGS, L2) on standardised window features. Every window is labelled with its
/// video's label and weighted 1/windows so a long video counts as much as a short one; a video scores the maximum of
/// its windows, as the live gate raises on its highest window. Thresholds are chosen on scores from grouped
/// cross-validation (each video scored by a model that never saw its source group).
/// </summary>
public static class GateTrainer
{
    public const string TrainerName = "ML.NET LbfgsLogisticRegression (L2)";

    public static (GateModel Model, GateTrainingReport Report) Train(
        IReadOnlyList<VideoFeatures> videos, GateTrainingOptions options, GateWindowSettings window, double analysisFps,
        IReadOnlyDictionary<string, string> provenance)
    {
        Check(videos);
        var heldOut = CrossValidate(videos, options);
        var (low, high) = ChooseThresholds(heldOut, options);
        var report = Evaluate(heldOut, low, high, options.Folds);
        var fit = Fit(videos, options);
        var model = new GateModel
        {
            Rule = "fight",
            Version = DateTimeOffset.UtcNow.ToString("yyyyMMdd.HHmmss", System.Globalization.CultureInfo.InvariantCulture),
            FeatureNames = videos[0].FeatureNames,
            Mean = fit.Mean, Std = fit.Std, Weights = fit.Weights, Bias = fit.Bias,
            Low = low, High = high,
            WindowSeconds = window.WindowSeconds, StrideSeconds = window.StrideSeconds, AnalysisFps = analysisFps, FlowWidth = window.FlowWidth,
            Provenance = new Dictionary<string, string>(provenance)
            {
                ["trainer"] = TrainerName,
                ["l2"] = options.L2.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["videos"] = videos.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["thresholds"] = $"low: held-out recall >= {options.TargetRecall}; high: held-out precision >= {options.CertainPrecision}",
            },
            Metrics = new Dictionary<string, double>
            {
                ["cv_precision"] = report.Precision, ["cv_recall"] = report.Recall, ["cv_upload_rate"] = report.UploadRate,
                ["cv_certain_rate"] = report.CertainRate, ["cv_auc"] = report.Auc, ["cv_folds"] = report.Folds,
            },
        };
        return (model, report);
    }

    /// <summary>Scores every video with a model trained on the other folds; folds never split a source group.</summary>
    public static IReadOnlyList<HeldOutScore> CrossValidate(IReadOnlyList<VideoFeatures> videos, GateTrainingOptions options)
    {
        Check(videos);
        var fold = AssignFolds(videos, options.Folds);
        var folds = fold.Values.Distinct().Order().ToList();
        var scores = new List<HeldOutScore>();
        foreach (var f in folds)
        {
            var train = videos.Where(v => fold[v.Group] != f).ToList();
            var test = videos.Where(v => fold[v.Group] == f).ToList();
            if (train.Select(v => v.Fight).Distinct().Count() < 2)
            {
                throw new InvalidOperationException($"fold {f}: its training part has only one label; add videos of both labels from more source groups");
            }
            var fit = Fit(train, options);
            scores.AddRange(test.Select(v => new HeldOutScore(v.File, v.Fight, v.Group, f, VideoScore(fit, v))));
        }
        return scores;
    }

    /// <summary>Low: the highest score that still keeps the target recall. High: the lowest score above which held-out videos are fights often enough (1 if none).</summary>
    public static (double Low, double High) ChooseThresholds(IReadOnlyList<HeldOutScore> scores, GateTrainingOptions options)
    {
        var fights = scores.Where(s => s.Fight).Select(s => s.Score).OrderDescending().ToList();
        if (fights.Count == 0) throw new InvalidOperationException("no fight videos to set thresholds on");
        var needed = Math.Max(1, (int)Math.Ceiling(options.TargetRecall * fights.Count));
        var low = Math.Clamp(fights[needed - 1] - 1e-6, 0, 1);
        var high = 1.0;
        foreach (var candidate in scores.Select(s => s.Score).Where(s => s >= low).OrderDescending())
        {
            var above = scores.Where(s => s.Score >= candidate).ToList();
            if (above.Count < 3) continue;
            if (above.Count(s => s.Fight) >= options.CertainPrecision * above.Count) high = candidate;
            else break;
        }
        return (Math.Round(low, 6), Math.Round(Math.Max(high, low), 6));
    }

    public static GateTrainingReport Evaluate(IReadOnlyList<HeldOutScore> scores, double low, double high, int folds)
    {
        var flagged = scores.Where(s => s.Score >= low).ToList();
        var certain = scores.Where(s => s.Score >= high).ToList();
        var fights = scores.Count(s => s.Fight);
        return new GateTrainingReport(
            scores.Count, fights, scores.Select(s => s.Group).Distinct().Count(), folds, low, high,
            Precision: flagged.Count == 0 ? 0 : (double)flagged.Count(s => s.Fight) / flagged.Count,
            Recall: fights == 0 ? 0 : (double)flagged.Count(s => s.Fight) / fights,
            UploadRate: scores.Count == 0 ? 0 : (double)flagged.Count / scores.Count,
            CertainRate: scores.Count == 0 ? 0 : (double)certain.Count / scores.Count,
            CertainPrecision: certain.Count == 0 ? 0 : (double)certain.Count(s => s.Fight) / certain.Count,
            Auc: Auc(scores), Trainer: TrainerName, HeldOut: scores);
    }

    /// <summary>Folds of roughly equal size, each holding whole source groups (largest groups placed first).</summary>
    public static IReadOnlyDictionary<string, int> AssignFolds(IReadOnlyList<VideoFeatures> videos, int folds)
    {
        var groups = videos.GroupBy(v => v.Group).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        var k = Math.Clamp(folds, 2, groups.Count);
        var sizes = new int[k];
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var g in groups)
        {
            var target = Array.IndexOf(sizes, sizes.Min());
            result[g.Key] = target;
            sizes[target] += g.Count();
        }
        return result;
    }

    private static double VideoScore(LogisticFit fit, VideoFeatures video)
    {
        var probe = new GateModel
        {
            Rule = "fight", Version = "cv", FeatureNames = video.FeatureNames, Mean = fit.Mean, Std = fit.Std, Weights = fit.Weights, Bias = fit.Bias,
            Low = 0, High = 1, WindowSeconds = 1, StrideSeconds = 1, AnalysisFps = 1,
        };
        return video.Windows.Max(w => probe.Score(w));
    }

    private sealed record LogisticFit(float[] Mean, float[] Std, float[] Weights, float Bias);

    private sealed class Row
    {
        public bool Label { get; set; }
        public float Weight { get; set; }
        public float[] Features { get; set; } = [];
    }

    private static LogisticFit Fit(IReadOnlyList<VideoFeatures> videos, GateTrainingOptions options)
    {
        var n = videos[0].FeatureNames.Count;
        var mean = new double[n];
        var variance = new double[n];
        double total = 0;
        foreach (var v in videos)
        {
            var w = 1.0 / v.Windows.Length;
            foreach (var x in v.Windows) for (var i = 0; i < n; i++) mean[i] += w * x[i];
            total += 1;
        }
        for (var i = 0; i < n; i++) mean[i] /= total;
        foreach (var v in videos)
        {
            var w = 1.0 / v.Windows.Length;
            foreach (var x in v.Windows) for (var i = 0; i < n; i++) variance[i] += w * (x[i] - mean[i]) * (x[i] - mean[i]);
        }
        var std = variance.Select(s => (float)Math.Max(Math.Sqrt(s / total), 1e-3)).ToArray();
        var meanF = mean.Select(m => (float)m).ToArray();

        var rows = videos.SelectMany(v => v.Windows.Select(x => new Row
        {
            Label = v.Fight,
            Weight = 1f / v.Windows.Length,
            Features = x.Select((value, i) => (value - meanF[i]) / std[i]).ToArray(),
        })).ToList();
        var ml = new MLContext(seed: options.Seed);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, n);
        var data = ml.Data.LoadFromEnumerable(rows, schema);
        var trainer = ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
        {
            LabelColumnName = nameof(Row.Label),
            FeatureColumnName = nameof(Row.Features),
            ExampleWeightColumnName = nameof(Row.Weight),
            L2Regularization = (float)options.L2,
            L1Regularization = 0,
            OptimizationTolerance = 1e-7f,
            MaximumNumberOfIterations = 1000,
            ShowTrainingStatistics = false,
        });
        var model = trainer.Fit(data);
        var linear = model.Model.SubModel;
        return new LogisticFit(meanF, std, linear.Weights.ToArray(), linear.Bias);
    }

    private static double Auc(IReadOnlyList<HeldOutScore> scores)
    {
        var pos = scores.Where(s => s.Fight).Select(s => s.Score).ToList();
        var neg = scores.Where(s => !s.Fight).Select(s => s.Score).ToList();
        if (pos.Count == 0 || neg.Count == 0) return 0;
        double wins = 0;
        foreach (var p in pos) foreach (var q in neg) wins += p > q ? 1 : p == q ? 0.5 : 0;
        return wins / pos.Count / neg.Count;
    }

    private static void Check(IReadOnlyList<VideoFeatures> videos)
    {
        if (videos.Count == 0) throw new InvalidOperationException("no videos to train on");
        var names = videos[0].FeatureNames;
        foreach (var v in videos)
        {
            if (!v.FeatureNames.SequenceEqual(names)) throw new InvalidOperationException($"{v.File} has other features than {videos[0].File}");
            if (v.Windows.Length == 0) throw new InvalidOperationException($"{v.File} has no windows");
        }
        if (videos.Select(v => v.Fight).Distinct().Count() < 2) throw new InvalidOperationException("training needs both fight and nofight videos");
        if (videos.Select(v => v.Group).Distinct().Count() < 2) throw new InvalidOperationException("grouped cross-validation needs at least two source groups");
    }
}
