using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
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
/// <c>speed --video FILE [--frames N] [--no-encoder] [--encode-every-crop]</c>: the edge pipeline per stage on every
/// frame of a video (decode, detect, track, encoder, gate features), stages overlapped as in the agent: its frames/s,
/// CPU and managed bytes allocated per frame, against the bare detector on the same frames in the same process. The
/// encoder runs as the agent runs it: on the whole frame once per <c>--scene-every</c> seconds (the agent's
/// <see cref="SceneObserver"/>) and on a track's crop when its record is written (the track ended);
/// <c>--encode-every-crop</c> is the worst case, every crop of every frame.
/// </summary>
internal sealed class SpeedBenchmark : IBenchmark
{
    public string Name => "speed";

    public string Usage => "--video FILE [--frames 300] [--no-encoder] [--encode-every-crop] [--scene-every 1] [--manifest M --model F]";

    public async Task<int> RunAsync(BenchmarkArgs args, CancellationToken ct)
    {
        var video = Path.GetFullPath(args.Require("video"));
        var maxFrames = args.GetInt("frames", 300);
        using var detector = EdgeBenchmarkSetup.LoadDetector(args);
        using var encoder = args.Has("no-encoder") ? null : LoadEncoder();
        var timings = new StageTimings();
        using var gate = new GateFeatureExtractor(new GateWindowSettings(), DetectorLoader.PersonClassId(detector));
        var features = new float[gate.FeatureNames.Count];
        var embeddings = new float[(encoder?.EmbeddingSize ?? 1) * 64];
        var boxes = new BoxF[64];
        var everyCrop = args.Has("encode-every-crop");
        var scene = encoder is null ? null : new SceneObserver(encoder, null, TimeSpan.FromSeconds(args.GetDouble("scene-every", 1)));
        var lastBoxes = new Dictionary<long, BoxF>();
        var frames = 0;
        int width, height;

        // Warm-up on the first frame: first runs pay for lazy initialisation in ONNX Runtime and OpenCV.
        using (var source = new VideoFileSource(video))
        using (var first = new Mat())
        {
            if (!source.TryRead(first, out var at)) throw new InvalidDataException($"{video} has no frames");
            new PerceptionStep(detector, DetectorLoader.NewTracker(), new StageTimings()).Process(first, at);
            encoder?.EncodeCrops(first, [new BoxF(0, 0, 64, 128)], embeddings.AsSpan(0, encoder.EmbeddingSize));
            encoder?.EncodeFrame(first, embeddings.AsSpan(0, encoder.EmbeddingSize));
            (width, height) = (first.Cols, first.Rows);
        }

        // The bare detector before and after the pipeline: their mean is the baseline, less exposed to what else the
        // machine did during one of them.
        var rawBefore = RawDetectorFps(detector, video, maxFrames, ct);

        // As in the agent: decoding on its own thread (the camera's capture thread), then detection + tracking
        // overlapped with the analysis of the previous frame (PipelinedPerception), over a fixed pool of frames.
        var step = new PerceptionStep(detector, DetectorLoader.NewTracker(), timings);
        var pool = Channel.CreateBounded<BenchFrame>(8);
        for (var i = 0; i < 8; i++) pool.Writer.TryWrite(new BenchFrame());
        var decoded = Channel.CreateBounded<BenchFrame>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var decode = Task.Run(async () =>
        {
            using var source = new VideoFileSource(video);
            try
            {
                for (var i = 0; i < maxFrames; i++)
                {
                    var f = await pool.Reader.ReadAsync(ct);
                    var t0 = Stopwatch.GetTimestamp();
                    if (!source.TryRead(f.Image, out var position)) { pool.Writer.TryWrite(f); break; }
                    timings.Add(Stage.Decode, t0);
                    f.Position = position;
                    await decoded.Writer.WriteAsync(f, ct);
                }
            }
            finally
            {
                decoded.Writer.TryComplete();
            }
        }, ct);
        await PipelinedPerception.RunAsync(decoded.Reader, f => f.Image, f => f.Position, step, (p, analysisToken) =>
        {
            var frame = p.Frame.Image;
            var position = p.Frame.Position;
            if (encoder is not null)
            {
                var t2 = Stopwatch.GetTimestamp();
                var n = 0;
                if (everyCrop)
                {
                    for (; n < Math.Min(boxes.Length, p.Active.Count); n++) boxes[n] = p.Active[n].Box;
                }
                else
                {
                    foreach (var id in p.Ended)
                        if (n < boxes.Length && lastBoxes.Remove(id, out var box)) boxes[n++] = box;
                    foreach (var t in p.Active) lastBoxes[t.TrackId] = t.Box;
                    scene!.Update(frame, position);
                }
                if (n > 0) encoder.EncodeCrops(frame, boxes.AsSpan(0, n), embeddings.AsSpan(0, n * encoder.EmbeddingSize));
                timings.Add(Stage.Encode, t2);
            }
            var t3 = Stopwatch.GetTimestamp();
            gate.AddFrame(frame, position, p.Active);
            gate.TryGetWindow(features, out _);
            timings.Add(Stage.GateFeatures, t3);
            frames++;
            return ValueTask.CompletedTask;
        }, f => pool.Writer.TryWrite(f), ct);
        await decode;
        wall.Stop();
        var cpuSecondsPerFrame = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / Math.Max(1, frames);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        while (pool.Reader.TryRead(out var f)) f.Image.Dispose();

        var pipelineFps = frames / wall.Elapsed.TotalSeconds;
        Console.WriteLine($"speed: video={Path.GetFileName(video)} {width}x{height} frames={frames} detector={detector.ModelName} encoder={encoder?.ModelName ?? "off"} providers={string.Join(",", detector.Providers)}");
        Print("decode", timings.MeanMilliseconds(Stage.Decode), "(own thread, as the capture thread)");
        Print("detect", timings.MeanMilliseconds(Stage.Detect), "(the detector's Detect: its own preprocess, inference, decode, NMS)");
        Print("track", timings.MeanMilliseconds(Stage.Track));
        Print("encode", timings.MeanMilliseconds(Stage.Encode),
            encoder is null ? "(off)" : everyCrop ? "(every person crop of every frame)" : "(scene each second, a crop per ended track)");
        Print("gate_features", timings.MeanMilliseconds(Stage.GateFeatures), "(optical flow + window features)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  wall_ms_per_frame={wall.Elapsed.TotalMilliseconds / Math.Max(1, frames):F2} one_thread_fps={frames / Math.Max(1e-9, SequentialSeconds(timings)):F2} managed_bytes_allocated_per_frame={allocated / Math.Max(1, frames)} (whole process)"));

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  cpu_ms_per_frame={cpuSecondsPerFrame * 1000:F2} cores_for_one_camera_at_5fps={cpuSecondsPerFrame * 5:F3}"));
        var rawAfter = RawDetectorFps(detector, video, maxFrames, ct);
        var raw = (rawBefore + rawAfter) / 2;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  raw_detector_fps before={rawBefore:F2} after={rawAfter:F2}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pipeline_fps={pipelineFps:F2} raw_detector_fps={raw:F2} ratio={pipelineFps / raw:F3}"));
        return 0;
    }

    private sealed class BenchFrame
    {
        public Mat Image { get; } = new();

        public TimeSpan Position { get; set; }
    }

    /// <summary>What the stages would take one after the other on one thread: decode + detect + track + encode + gate features.</summary>
    private static double SequentialSeconds(StageTimings t) =>
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
