using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using VideoAnalytics.Edge.Gating;
using VideoAnalytics.Edge.Perception;
using VideoAnalytics.Edge.Pipeline;
using VideoAnalytics.Vision.Gating;

namespace VideoAnalytics.Edge.Hosting.Commands;

/// <summary><c>va-edge analyze VIDEO --json FILE</c>: the gate's view of one video, one JSON line per window.</summary>
public static class AnalyzeCommand
{
    public static Command Create(Option<string?> config)
    {
        var video = new Argument<FileInfo>("video") { Description = "video file" };
        var json = new Option<FileInfo>("--json") { Required = true, Description = "output file: one JSON object per window" };
        var heads = new Option<FileInfo?>("--heads") { Description = "gate heads file (default Edge:Gate:Heads)" };
        var command = new Command("analyze", "Score a video with the gate: windows, tracks, decisions as JSON lines") { video, json, heads };
        command.SetAction((parse, ct) => EdgeCommands.Guard(() =>
        {
            var configuration = EdgeConfiguration.Build(parse.GetValue(config));
            var headsPath = parse.GetValue(heads)?.FullName ?? configuration[$"{EdgeConfiguration.Section}:Gate:Heads"]
                ?? throw new ArgumentException("no heads file: pass --heads or set Edge:Gate:Heads");
            return Task.FromResult(Run(configuration, parse.GetValue(video)!.FullName, headsPath, parse.GetValue(json)!.FullName, Console.Out, ct));
        }));
        return command;
    }

    public static int Run(IConfiguration configuration, string videoPath, string headsPath, string jsonPath, TextWriter log, CancellationToken ct)
    {
        if (!File.Exists(videoPath)) throw new FileNotFoundException($"video '{videoPath}' does not exist", videoPath);
        var model = GateModel.Load(headsPath);
        var gate = configuration.GetSection($"{EdgeConfiguration.Section}:Gate").Get<GateOptions>() ?? new GateOptions();
        using var detector = DetectorLoader.Load(EdgeConfiguration.Detector(configuration), EdgeConfiguration.Onnx(configuration));
        using var pose = EdgeConfiguration.LoadPose(configuration);
        var analyzer = new VideoGateAnalyzer(detector, model.Window(), model.AnalysisFps, pose: pose);
        model.RequireFeatures(analyzer.FeatureNames, headsPath);
        var decider = new GateDecider(model.Low, model.High, TimeSpan.FromSeconds(gate.CooldownSeconds), gate.MaxUploadsPerHour);
        using var frameSize = new OpenCvSharp.VideoCapture(videoPath);
        float width = Math.Max(1, frameSize.FrameWidth), height = Math.Max(1, frameSize.FrameHeight);

        using var stream = File.Create(jsonPath);
        var windows = 0;
        var raised = 0;
        double maxScore = 0;
        foreach (var w in analyzer.Analyze(videoPath))
        {
            ct.ThrowIfCancellationRequested();
            var score = model.Score(w.Features);
            var outcome = decider.Decide(score, DateTimeOffset.UnixEpoch + w.Window.End);
            maxScore = Math.Max(maxScore, score);
            windows++;
            if (outcome.Emit && outcome.Decision is Contracts.Messages.GateDecision.Uncertain or Contracts.Messages.GateDecision.Certain) raised++;
            using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteNumber("start", Math.Round(w.Window.Start.TotalSeconds, 3));
                writer.WriteNumber("end", Math.Round(w.Window.End.TotalSeconds, 3));
                writer.WriteNumber("frames", w.Window.Frames);
                writer.WriteNumber("score", Math.Round(score, 5));
                writer.WriteString("level", Level(score, model));
                writer.WriteString("decision", outcome.Emit ? outcome.Decision.ToString().ToLowerInvariant() : "none");
                writer.WriteBoolean("clip", outcome.UploadClip);
                if (outcome.Suppressed is { } why) writer.WriteString("suppressed", why);
                writer.WriteStartObject("features");
                for (var i = 0; i < model.FeatureNames.Count; i++) writer.WriteNumber(model.FeatureNames[i], Math.Round(w.Features[i], 5));
                writer.WriteEndObject();
                writer.WriteStartArray("tracks");
                foreach (var t in w.Tracks)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("id", t.TrackId);
                    writer.WriteString("class", detector.Labels[t.ClassId]);
                    writer.WriteNumber("score", Math.Round(t.Score, 3));
                    writer.WriteNumber("x", Math.Round(t.Box.X / width, 4));
                    writer.WriteNumber("y", Math.Round(t.Box.Y / height, 4));
                    writer.WriteNumber("w", Math.Round(t.Box.W / width, 4));
                    writer.WriteNumber("h", Math.Round(t.Box.H / height, 4));
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
        }
        log.WriteLine($"analyzed {Path.GetFileName(videoPath)}: windows={windows} max_score={maxScore:F4} raised={raised} -> {jsonPath}");
        return 0;
    }

    private static string Level(double score, GateModel model) => score >= model.High ? "certain" : score >= model.Low ? "uncertain" : "none";
}
