using System.Globalization;
using VideoAnalytics.Cloud.Judging;
using VideoAnalytics.Edge.Pipeline;
using VideoAnalytics.Vision.Gating;

namespace VideoAnalytics.Benchmarks;

/// <summary>
/// <c>accuracy --labels CSV [--heads FILE|DIR] --out FILE</c>: the edge gate on every labelled video. With heads, each
/// video is scored by that model; without, by grouped cross-validation (a model that never saw the video's source
/// group). A video counts as sent when its highest window reaches <c>low</c>. With <c>--cascade</c> the cloud's embedded
/// judge (also held out by source group) judges what the gate sent: an alert is a certain gate event, or a fight or unsure
/// verdict (as the console shows them).
/// <c>--pose</c> adds the pose stage (SimplePose) to the gate features.
/// </summary>
internal sealed class AccuracyBenchmark : IBenchmark
{
    public string Name => "accuracy";

    public string Usage => "--labels CSV [--heads FILE|DIR] [--out FILE] [--cache DIR] [--analysis-fps 10] [--flow-width 96] [--folds 5] [--pose] [--cascade [--keyframes 8]]";

    public Task<int> RunAsync(BenchmarkArgs args, CancellationToken ct)
    {
        var labels = LabelledVideos.Read(args.Require("labels"));
        var output = Path.GetFullPath(args.Get("out") ?? Path.Combine(Path.GetTempPath(), "va-accuracy-report.json"));
        var cache = args.Get("cache") ?? Path.Combine(Path.GetTempPath(), "va-accuracy-features");
        var headsArg = args.Get("heads");
        GateModel? model = null;
        if (headsArg is not null) model = GateModel.Load(Directory.Exists(headsArg) ? Path.Combine(headsArg, "heads.json") : headsArg);
        var fps = model?.AnalysisFps ?? args.GetDouble("analysis-fps", 10);
        var window = model is null ? new GateWindowSettings(FlowWidth: args.GetInt("flow-width", GateWindowSettings.DefaultFlowWidth)) : model.Window();

        using var detector = EdgeBenchmarkSetup.LoadDetector(args);
        using var pose = EdgeBenchmarkSetup.LoadPose(args);
        var (features, skipped) = LabelledFeatureCollector.Collect(labels, detector, window, fps, cache, Console.Out, ct, pose);
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
        if (args.Has("cascade")) Cascade(args.Require("labels"), report, args.GetInt("keyframes", 8), ct);
        return Task.FromResult(0);
    }

    /// <summary>
    /// Gate, then judge, as the alerts work: videos the gate is certain of alert directly; an uploaded video alerts when
    /// the judge says fight (a verified alert) or unsure (an unverified one), and not when it says no fight. The judge
    /// sees keyframes spread over the whole video, as over the clip the edge would have sent.
    /// </summary>
    private static void Cascade(string labelsCsv, GateTrainingReport gate, int keyframes, CancellationToken ct)
    {
        var clips = EmbeddedJudgeTrainer.ExtractFeatures(labelsCsv, keyframes, ct);
        var probabilities = EmbeddedJudgeTrainer.HeldOutProbabilities(clips);
        var weights = EmbeddedJudgeWeights.Load(null);
        var probability = clips.Select((c, i) => (c.File, P: probabilities[i])).ToDictionary(x => x.File, x => x.P, StringComparer.Ordinal);
        var videos = gate.HeldOut.Where(v => probability.ContainsKey(v.File)).ToList(); // a video too short for keyframes is left out
        var uploads = videos.Count(Uploaded);
        var fights = videos.Count(v => v.Fight);
        Console.WriteLine(Line("cascade_verified_only", AlertsAt(weights.FightAt)));
        Console.WriteLine(Line("cascade", AlertsAt(weights.NoFightAt)));

        bool Uploaded(HeldOutScore v) => v.Score >= gate.Low && v.Score < gate.High;
        List<HeldOutScore> AlertsAt(double judged) =>
            [.. videos.Where(v => v.Score >= gate.High || Uploaded(v) && probability[v.File] >= judged)];

        string Line(string name, List<HeldOutScore> alerts) => string.Create(CultureInfo.InvariantCulture,
            $"{name}: precision={(alerts.Count == 0 ? 0 : alerts.Count(v => v.Fight) / (double)alerts.Count):F3} recall={(fights == 0 ? 0 : alerts.Count(v => v.Fight) / (double)fights):F3} upload_rate={(videos.Count == 0 ? 0 : uploads / (double)videos.Count):F3} videos={videos.Count}");
    }
}
