using System.CommandLine;
using System.Globalization;
using VideoAnalytics.Edge.Perception;
using VideoAnalytics.Edge.Pipeline;
using VideoAnalytics.Vision.Gating;

namespace VideoAnalytics.Edge.Hosting.Commands;

/// <summary>
/// <c>va-edge train-gate --labels CSV --out DIR</c>: runs the real detector, tracker and gate features on every
/// labelled video (features cached in DIR/features), fits the logistic gate with grouped cross-validation, and writes
/// DIR/heads.json and DIR/metrics.json.
/// </summary>
public static class TrainGateCommand
{
    public static Command Create(Option<string?> config)
    {
        var labels = new Option<FileInfo>("--labels") { Required = true, Description = "CSV with file,label[,source_group] (files relative to the CSV)" };
        var output = new Option<DirectoryInfo>("--out") { Required = true, Description = "folder for heads.json, metrics.json and the feature cache" };
        var fps = new Option<double>("--analysis-fps") { DefaultValueFactory = _ => 10, Description = "frames analysed per second of video" };
        var window = new Option<double>("--window") { DefaultValueFactory = _ => 2, Description = "gate window, seconds" };
        var stride = new Option<double>("--stride") { DefaultValueFactory = _ => 0.5, Description = "gate stride, seconds" };
        var flowWidth = new Option<int>("--flow-width") { DefaultValueFactory = _ => GateWindowSettings.DefaultFlowWidth, Description = "width of the grey frame the optical flow runs on (smaller is faster)" };
        var l2 = new Option<double>("--l2") { DefaultValueFactory = _ => 1.0, Description = "L2 penalty" };
        var recall = new Option<double>("--target-recall") { DefaultValueFactory = _ => 0.9, Description = "held-out fight recall the low threshold must keep" };
        var folds = new Option<int>("--folds") { DefaultValueFactory = _ => 5, Description = "cross-validation folds (grouped by source_group)" };
        var command = new Command("train-gate", "Train the fight gate on labelled videos") { labels, output, fps, window, stride, flowWidth, l2, recall, folds };
        command.SetAction((parse, ct) => EdgeCommands.Guard(() =>
        {
            var settings = new GateWindowSettings(parse.GetValue(window), parse.GetValue(stride), FlowWidth: parse.GetValue(flowWidth));
            var options = new GateTrainingOptions { L2 = parse.GetValue(l2), TargetRecall = parse.GetValue(recall), Folds = parse.GetValue(folds) };
            return Task.FromResult(Run(EdgeConfiguration.Build(parse.GetValue(config)), parse.GetValue(labels)!.FullName, parse.GetValue(output)!.FullName,
                parse.GetValue(fps), settings, options, Console.Out, ct));
        }));
        return command;
    }

    public static int Run(Microsoft.Extensions.Configuration.IConfiguration configuration, string labelsCsv, string outDir, double analysisFps,
        GateWindowSettings settings, GateTrainingOptions options, TextWriter log, CancellationToken ct)
    {
        var videos = LabelledVideos.Read(labelsCsv);
        var detectorOptions = EdgeConfiguration.Detector(configuration);
        using var detector = DetectorLoader.Load(detectorOptions, EdgeConfiguration.Onnx(configuration));
        // With Edge:Pose in the configuration the gate learns the pose features too, as the agent will compute them.
        using var pose = EdgeConfiguration.LoadPose(configuration);
        var (features, skipped) = LabelledFeatureCollector.Collect(videos, detector, settings, analysisFps, Path.Combine(outDir, "features"), log, ct, pose);
        var provenance = new Dictionary<string, string>
        {
            ["labels"] = Path.GetFileName(labelsCsv),
            ["detector"] = detector.ModelName,
            ["pose"] = pose is null ? "off" : EdgeConfiguration.Pose(configuration).Manifest,
            ["skipped"] = string.Join(' ', skipped),
            ["trainedUtc"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        var (model, report) = GateTrainer.Train(features, options, settings, analysisFps, provenance);
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "heads.json"), model.ToJson());
        File.WriteAllText(Path.Combine(outDir, "metrics.json"), report.ToJson());
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"gate: videos={report.Videos} groups={report.Groups} folds={report.Folds} low={report.Low:F4} high={report.High:F4} cv_precision={report.Precision:F3} cv_recall={report.Recall:F3} cv_upload_rate={report.UploadRate:F3} cv_auc={report.Auc:F3}"));
        log.WriteLine($"wrote {Path.Combine(outDir, "heads.json")} (also the heads.json of a heads model package) and metrics.json");
        return 0;
    }
}
