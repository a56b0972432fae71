using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using VideoAnalytics.Edge.Capture;
using VideoAnalytics.Edge.Perception;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Encoding;
using VideoAnalytics.Vision.Gating;
using VideoAnalytics.Vision.Imaging;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Benchmarks;

/// <summary>
/// <c>speed --video FILE [--frames N] [--no-encoder]</c>: the edge pipeline per stage on every frame of a video
/// (decode, preprocess, detect, track, encode person crops, gate features), its frames/s and managed bytes allocated
/// per frame, then the bare detector on the same frames in the same process.
/// </summary>
internal sealed class SpeedBenchmark : IBenchmark
{
    public string Name => "speed";

    public string Usage => "--video FILE [--frames 300] [--no-encoder] [--manifest M --model F]";

    public Task<int> RunAsync(BenchmarkArgs args, CancellationToken ct)
    {
        var video = Path.GetFullPath(args.Require("video"));
        var maxFrames = args.GetInt("frames", 300);
        using var detector = EdgeBenchmarkSetup.LoadDetector(args);
        using var encoder = args.Has("no-encoder") ? null : LoadEncoder();
        var detectorModel = ModelPackageLoader.Load(EdgeBenchmarkSetup.Detector(args).Manifest, EdgeBenchmarkSetup.Detector(args).ModelFile);
        using var canvas = new LetterboxCanvas(detectorModel.Manifest.Input!.Width, detectorModel.Manifest.Input.Height, "letterbox", 114);
        var tensor = new float[3 * detectorModel.Manifest.Input.Width * detectorModel.Manifest.Input.Height];
        var writer = new ImageTensorWriter(detectorModel.Manifest.Input);
        var timings = new StageTimings();
        var step = new PerceptionStep(detector, DetectorLoader.NewTracker(), timings);
        using var gate = new GateFeatureExtractor(new GateWindowSettings(), DetectorLoader.PersonClassId(detector));
        var features = new float[gate.FeatureNames.Count];
        var embeddings = new float[(encoder?.EmbeddingSize ?? 1) * 64];
        var boxes = new BoxF[64];
        var preprocessTicks = 0L;
        var frames = 0;
        int width, height;
        long allocated;
        var wall = new Stopwatch();
        using (var source = new VideoFileSource(video))
        using (var frame = new Mat())
        {
            // Warm-up on the first frame: first runs pay for lazy initialisation in ONNX Runtime and OpenCV.
            if (!source.TryRead(frame, out var first)) throw new InvalidDataException($"{video} has no frames");
            step.Process(frame, first);
            if (encoder is not null) encoder.EncodeCrops(frame, [new BoxF(0, 0, 64, 128)], embeddings.AsSpan(0, encoder.EmbeddingSize));
            timings = new StageTimings();
            step = new PerceptionStep(detector, DetectorLoader.NewTracker(), timings);
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            wall.Start();
            while (frames < maxFrames)
            {
                ct.ThrowIfCancellationRequested();
                var t0 = Stopwatch.GetTimestamp();
                if (!source.TryRead(frame, out var position)) break;
                timings.Add(Stage.Decode, t0);
                var t1 = Stopwatch.GetTimestamp();
                canvas.Place(frame);
                writer.Write(canvas.Canvas, tensor);
                preprocessTicks += Stopwatch.GetTimestamp() - t1;
                step.Process(frame, position);
                if (encoder is not null)
                {
                    var t2 = Stopwatch.GetTimestamp();
                    var n = Math.Min(boxes.Length, step.Active.Count);
                    for (var i = 0; i < n; i++) boxes[i] = step.Active[i].Box;
                    if (n > 0) encoder.EncodeCrops(frame, boxes.AsSpan(0, n), embeddings.AsSpan(0, n * encoder.EmbeddingSize));
                    timings.Add(Stage.Encode, t2);
                }
                var t3 = Stopwatch.GetTimestamp();
                gate.AddFrame(frame, position, step.Active);
                gate.TryGetWindow(features, out _);
                timings.Add(Stage.GateFeatures, t3);
                frames++;
            }
            wall.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            width = frame.Cols;
            height = frame.Rows;
        }
        var pipelineFps = frames / Math.Max(1e-9, PipelineSeconds(timings));
        Console.WriteLine($"speed: video={Path.GetFileName(video)} {width}x{height} frames={frames} detector={detector.ModelName} encoder={encoder?.ModelName ?? "off"} providers={string.Join(",", detector.Providers)}");
        Print("decode", timings.MeanMilliseconds(Stage.Decode));
        Print("preprocess", preprocessTicks * 1000.0 / Stopwatch.Frequency / Math.Max(1, frames), "(letterbox + tensor, measured on a copy)");
        Print("detect", timings.MeanMilliseconds(Stage.Detect), "(the detector's Detect: its own preprocess, inference, decode, NMS)");
        Print("track", timings.MeanMilliseconds(Stage.Track));
        Print("encode", timings.MeanMilliseconds(Stage.Encode), encoder is null ? "(off)" : "(every person crop of the frame)");
        Print("gate_features", timings.MeanMilliseconds(Stage.GateFeatures), "(optical flow + window features)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  wall_ms_per_frame={wall.Elapsed.TotalMilliseconds / Math.Max(1, frames):F2} managed_bytes_allocated_per_frame={allocated / Math.Max(1, frames)}"));

        var raw = RawDetectorFps(detector, video, frames, ct);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pipeline_fps={pipelineFps:F2} raw_detector_fps={raw:F2} ratio={pipelineFps / raw:F3}"));
        return Task.FromResult(0);
    }

    /// <summary>Pipeline time per frame: decode + detect + track + encode + gate features (the preprocess copy is measurement only).</summary>
    private static double PipelineSeconds(StageTimings t) =>
        (t.TotalMilliseconds(Stage.Decode) + t.TotalMilliseconds(Stage.Detect) + t.TotalMilliseconds(Stage.Track)
         + t.TotalMilliseconds(Stage.Encode) + t.TotalMilliseconds(Stage.GateFeatures)) / 1000.0;

    /// <summary>The bare detector on the same frames, decoded beforehand so only Detect is timed.</summary>
    private static double RawDetectorFps(IObjectDetector detector, string video, int count, CancellationToken ct)
    {
        var frames = new List<Mat>();
        using (var source = new VideoFileSource(video))
        {
            var skip = new Mat();
            source.TryRead(skip, out _);
            skip.Dispose();
            for (var i = 0; i < count; i++)
            {
                var m = new Mat();
                if (!source.TryRead(m, out _)) { m.Dispose(); break; }
                frames.Add(m);
            }
        }
        var output = new List<Detection>();
        var clock = Stopwatch.StartNew();
        foreach (var f in frames)
        {
            ct.ThrowIfCancellationRequested();
            detector.Detect(f, output);
        }
        var fps = frames.Count / clock.Elapsed.TotalSeconds;
        foreach (var f in frames) f.Dispose();
        return fps;
    }

    private static ImageEncoder? LoadEncoder()
    {
        var manifest = EdgeBenchmarkSetup.RepoPath("deploy", "models", "osnet-x0-25", "manifest.json");
        var model = TestEnvironment.Models("osnet_x0_25_msmt17", "osnet_x0_25_msmt17.onnx");
        if (!File.Exists(manifest) || !File.Exists(model)) return null;
        return new ImageEncoder(new OnnxSessionFactory(new OnnxRuntimeOptions()).Create(ModelPackageLoader.Load(manifest, model)));
    }

    private static void Print(string stage, double ms, string note = "") =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {stage,-14} {ms,8:F2} ms/frame {note}"));
}
