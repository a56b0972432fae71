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
using VideoAnalytics.Vision.Heads;
using VideoAnalytics.Vision.Imaging;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Benchmarks;

/// <summary>
/// <c>speed --video FILE [--frames N] [--rounds 3] [--no-encoder] [--encode-every-crop] [--scene-heads FILE]</c>: the edge pipeline
/// per stage on every frame of a video (decode, detect, track, encoder, gate features), stages overlapped as in the
/// agent: its frames/s, CPU and managed bytes allocated per frame, against the bare detector on the same frames in the
/// same process. The encoder runs as the agent runs it: on a track's crop when its record is written (the track ended),
/// and through the agent's <see cref="SceneObserver"/> on the whole frame: with <c>--scene-heads</c> once per
/// <c>--scene-every</c> seconds (the heads' scores feed the gate), without them only for clips, which this loop does
/// not cut. <c>--encode-every-crop</c> is the worst case, every crop of every frame.
/// Detector and pipeline take turns for <c>--rounds</c> rounds; the last line is the median round.
/// </summary>
internal sealed class SpeedBenchmark : IBenchmark
{
    public string Name => "speed";

    public string Usage => "--video FILE [--frames 300] [--rounds 3] [--no-encoder] [--encode-every-crop] [--scene-heads FILE [--scene-every 1]] [--manifest M --model F]";

    public async Task<int> RunAsync(BenchmarkArgs args, CancellationToken ct)
    {
        var video = Path.GetFullPath(args.Require("video"));
        var maxFrames = args.GetInt("frames", 300);
        var rounds = args.GetInt("rounds", 3);
        using var detector = EdgeBenchmarkSetup.LoadDetector(args);
        using var encoder = args.Has("no-encoder") ? null : LoadEncoder();
        var sceneHeads = encoder is not null && args.Get("scene-heads") is { } headsFile ? HeadSet.Load(headsFile, encoder.EmbeddingSize, encoder.ModelName) : null;
        var run = new PipelineRun(video, maxFrames, detector, encoder, sceneHeads, TimeSpan.FromSeconds(args.GetDouble("scene-every", 1)), args.Has("encode-every-crop"));
        var (width, height) = run.WarmUp();

        // Bare detector and pipeline take turns (R P R P … R): each pipeline round is compared with the detector just
        // before and after it, so a machine that speeds up or slows down during the run moves both sides alike.
        var raw = new List<double> { RawDetectorFps(detector, video, maxFrames, ct) };
        var results = new List<PipelineResult>();
        for (var r = 0; r < rounds; r++)
        {
            results.Add(await run.MeasureAsync(ct));
            raw.Add(RawDetectorFps(detector, video, maxFrames, ct));
            var baseline = (raw[r] + raw[r + 1]) / 2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {r + 1}: pipeline_fps={results[r].Fps:F2} raw_detector_fps={baseline:F2} (before {raw[r]:F2}, after {raw[r + 1]:F2}) ratio={results[r].Fps / baseline:F3}"));
        }
        var ratios = results.Select((p, r) => p.Fps / ((raw[r] + raw[r + 1]) / 2)).ToList();
        var median = results.Zip(ratios).OrderBy(x => x.Second).ElementAt(rounds / 2);
        var medianRaw = median.First.Fps / median.Second;

        var timings = run.Timings;
        var frames = results.Sum(p => p.Frames);
        Console.WriteLine($"speed: video={Path.GetFileName(video)} {width}x{height} frames={maxFrames}x{rounds} detector={detector.ModelName} encoder={encoder?.ModelName ?? "off"} providers={string.Join(",", detector.Providers)}");
        Print("decode", timings.MeanMilliseconds(Stage.Decode), "(own thread, as the capture thread)");
        Print("detect", timings.MeanMilliseconds(Stage.Detect), "(the detector's Detect, split below over all its frames)");
        var phases = detector.PhaseTimes;
        Print("  preprocess", phases.MeanMilliseconds(phases.PreprocessTicks), "(letterbox + normalise into the reused input tensor)");
        Print("  inference", phases.MeanMilliseconds(phases.InferenceTicks), "(ONNX Runtime)");
        Print("  decode_nms", phases.MeanMilliseconds(phases.DecodeTicks), "(box decoding, class filter, per-class NMS)");
        Print("track", timings.MeanMilliseconds(Stage.Track));
        Print("encode", timings.MeanMilliseconds(Stage.Encode),
            encoder is null ? "(off)" : run.EveryCrop ? "(every person crop of every frame)"
                : sceneHeads is null ? "(a crop per ended track; no scene heads: the frame is encoded only for clips)" : "(scene heads every --scene-every s, a crop per ended track)");
        Print("gate_features", timings.MeanMilliseconds(Stage.GateFeatures), "(optical flow + window features)");
        var wallSeconds = results.Sum(p => p.WallSeconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  wall_ms_per_frame={wallSeconds * 1000 / Math.Max(1, frames):F2} one_thread_fps={frames / Math.Max(1e-9, SequentialSeconds(timings)):F2} managed_bytes_allocated_per_frame={results.Sum(p => p.AllocatedBytes) / Math.Max(1, frames)} (whole process)"));
        var cpuSecondsPerFrame = results.Sum(p => p.CpuSeconds) / Math.Max(1, frames);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  cpu_ms_per_frame={cpuSecondsPerFrame * 1000:F2} cores_for_one_camera_at_5fps={cpuSecondsPerFrame * 5:F3}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  ratios by round: {string.Join(" ", ratios.Select(x => x.ToString("F3", CultureInfo.InvariantCulture)))} (the last line is the median round)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pipeline_fps={median.First.Fps:F2} raw_detector_fps={medianRaw:F2} ratio={median.Second:F3}"));
        return 0;
    }

    private readonly record struct PipelineResult(int Frames, double Fps, double WallSeconds, double CpuSeconds, long AllocatedBytes);

    /// <summary>The agent's stages over the first frames of a video, as often as asked, into one set of stage timings.</summary>
    private sealed class PipelineRun(
        string video, int maxFrames, IObjectDetector detector, ImageEncoder? encoder, HeadSet? sceneHeads, TimeSpan sceneEvery, bool everyCrop)
    {
        private readonly float[] _embeddings = new float[(encoder?.EmbeddingSize ?? 1) * 64];
        private readonly BoxF[] _boxes = new BoxF[64];

        public StageTimings Timings { get; } = new();

        public bool EveryCrop => everyCrop;

        /// <summary>First runs pay for lazy initialisation in ONNX Runtime and OpenCV: one frame through every stage first.</summary>
        public (int Width, int Height) WarmUp()
        {
            using var source = new VideoFileSource(video);
            using var first = new Mat();
            if (!source.TryRead(first, out var at)) throw new InvalidDataException($"{video} has no frames");
            new PerceptionStep(detector, DetectorLoader.NewTracker(), new StageTimings()).Process(first, at);
            encoder?.EncodeCrops(first, [new BoxF(0, 0, 64, 128)], _embeddings.AsSpan(0, encoder.EmbeddingSize));
            encoder?.EncodeFrame(first, _embeddings.AsSpan(0, encoder.EmbeddingSize));
            return (first.Cols, first.Rows);
        }

        /// <summary>
        /// As in the agent: decoding on its own thread (the camera's capture thread), then detection + tracking
        /// overlapped with the analysis of the previous frame (PipelinedPerception), over a fixed pool of frames.
        /// </summary>
        public async Task<PipelineResult> MeasureAsync(CancellationToken ct)
        {
            using var gate = new GateFeatureExtractor(new GateWindowSettings(), DetectorLoader.PersonClassId(detector));
            var features = new float[gate.FeatureNames.Count];
            var scene = encoder is null ? null : new SceneObserver(encoder, sceneHeads, sceneEvery);
            var lastBoxes = new Dictionary<long, BoxF>();
            var step = new PerceptionStep(detector, DetectorLoader.NewTracker(), Timings);
            var pool = Channel.CreateBounded<BenchFrame>(8);
            for (var i = 0; i < 8; i++) pool.Writer.TryWrite(new BenchFrame());
            var decoded = Channel.CreateBounded<BenchFrame>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
            var frames = 0;
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
                        Timings.Add(Stage.Decode, t0);
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
                        for (; n < Math.Min(_boxes.Length, p.Active.Count); n++) _boxes[n] = p.Active[n].Box;
                    }
                    else
                    {
                        foreach (var id in p.Ended)
                            if (n < _boxes.Length && lastBoxes.Remove(id, out var box)) _boxes[n++] = box;
                        foreach (var t in p.Active) lastBoxes[t.TrackId] = t.Box;
                        scene!.Update(frame, position);
                    }
                    if (n > 0) encoder.EncodeCrops(frame, _boxes.AsSpan(0, n), _embeddings.AsSpan(0, n * encoder.EmbeddingSize));
                    Timings.Add(Stage.Encode, t2);
                }
                var t3 = Stopwatch.GetTimestamp();
                gate.AddFrame(frame, position, p.Active, scene?.Heads);
                gate.TryGetWindow(features, out _);
                Timings.Add(Stage.GateFeatures, t3);
                frames++;
                return ValueTask.CompletedTask;
            }, f => pool.Writer.TryWrite(f), ct);
            await decode;
            wall.Stop();
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            while (pool.Reader.TryRead(out var f)) f.Image.Dispose();
            return new PipelineResult(frames, frames / wall.Elapsed.TotalSeconds, wall.Elapsed.TotalSeconds, cpu, allocated);
        }
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
