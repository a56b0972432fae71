using System.Globalization;
using VideoAnalytics.Edge.Gating;
using VideoAnalytics.Vision.Gating;

namespace VideoAnalytics.Benchmarks;

/// <summary>
/// <c>accuracy --labels CSV [--heads FILE|DIR] --out FILE</c>: the edge gate on every labelled video. With heads, each
/// video is scored by that model; without, by grouped cross-validation (a model that never saw the video's source
/// group). A video counts as sent when its highest window reaches <c>low</c>.
/// </summary>
internal sealed class AccuracyBenchmark : IBenchmark
{
    public string Name => "accuracy";

    public string Usage => "--labels CSV [--heads FILE|DIR] --out FILE [--cache DIR] [--analysis-fps 10] [--folds 5]";

    public Task<int> RunAsync(BenchmarkArgs args, CancellationToken ct)
    {
        var labels = LabelledVideos.Read(args.Require("labels"));
        var output = Path.GetFullPath(args.Require("out"));
        var cache = args.Get("cache") ?? Path.Combine(Path.GetTempPath(), "va-accuracy-features");
        var headsArg = args.Get("heads");
        GateModel? model = null;
        if (headsArg is not null) model = GateModel.Load(Directory.Exists(headsArg) ? Path.Combine(headsArg, "heads.json") : headsArg);
        var fps = model?.AnalysisFps ?? args.GetDouble("analysis-fps", 10);
        var window = model is null ? new GateWindowSettings() : new GateWindowSettings(model.WindowSeconds, model.StrideSeconds);

        using var detector = EdgeBenchmarkSetup.LoadDetector(args);
        var (features, skipped) = LabelledFeatureCollector.Collect(labels, detector, window, fps, cache, Console.Out, ct);
        GateTrainingReport report;
        string mode;
        if (model is not null)
        {
            var scores = features.Select(v => new HeldOutScore(v.File, v.Fight, v.Group, 0, v.Windows.Max(w => model.Score(w)))).ToList();
            report = GateTrainer.Evaluate(scores, model.Low, model.High, folds: 0);
            mode = $"heads {model.Version} (NOT held out unless these videos were excluded from its training)";
        }
        else
        {
            var options = new GateTrainingOptions { Folds = args.GetInt("folds", 5) };
            var scores = GateTrainer.CrossValidate(features, options);
            var (low, high) = GateTrainer.ChooseThresholds(scores, options);
            report = GateTrainer.Evaluate(scores, low, high, options.Folds);
            mode = $"grouped {report.Folds}-fold cross-validation by source_group";
        }
        File.WriteAllText(output, report.ToJson());
        Console.WriteLine($"mode: {mode}; skipped: {skipped.Count}; report: {output}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"low={report.Low:F4} high={report.High:F4} auc={report.Auc:F3} certain_rate={report.CertainRate:F3} certain_precision={report.CertainPrecision:F3}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"edge: precision={report.Precision:F3} recall={report.Recall:F3} upload_rate={report.UploadRate:F3} videos={report.Videos}"));
        return Task.FromResult(0);
    }
}
