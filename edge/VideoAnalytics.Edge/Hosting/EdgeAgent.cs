using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Edge.Capture;
using VideoAnalytics.Edge.Clips;
using VideoAnalytics.Edge.Device;
using VideoAnalytics.Edge.Gating;
using VideoAnalytics.Edge.Perception;
using VideoAnalytics.Edge.Uplink;
using VideoAnalytics.Edge.Models;
using Microsoft.Extensions.DependencyInjection;
using VideoAnalytics.Edge.Spool;
using VideoAnalytics.Vision.Encoding;
using VideoAnalytics.Vision.Gating;
using VideoAnalytics.Vision.Heads;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Edge.Hosting;

/// <summary>
/// The edge agent: one capture worker and one analysis pipeline per configured camera, all writing into the spool.
/// A camera that fails does not stop the others. When every camera has ended (files played once) the agent stops the
/// host; at exit it logs the summary counters.
/// </summary>
public sealed class EdgeAgent(
    IOptions<EdgeOptions> options, ISpool spool, EdgeCounters counters, StageTimings timings,
    ILoggerFactory loggers, IHostApplicationLifetime lifetime, IServiceProvider services) : BackgroundService, IDeviceHealthSource
{
    private readonly ILogger _logger = loggers.CreateLogger<EdgeAgent>();
    private readonly List<CameraPipeline> _pipelines = [];

    /// <summary>Why the agent stopped on its own (a model or heads file that would not load), or null.</summary>
    public string? Failure { get; private set; }

    private readonly Dictionary<string, string> _modelVersions = [];

    /// <summary>Per-camera health for the device status message.</summary>
    public IReadOnlyList<CameraHealth> Cameras
    {
        get { lock (_pipelines) return _pipelines.Select(p => p.Worker.Health()).ToList(); }
    }

    /// <summary>The detector, encoder and gate this agent runs (name → version).</summary>
    public IReadOnlyDictionary<string, string> ModelVersions
    {
        get { lock (_modelVersions) return new Dictionary<string, string>(_modelVersions); }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunCamerasAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ModelLoadException or InvalidDataException or IOException or ArgumentException or InvalidOperationException or HeadsFileException)
        {
            Failure = e.Message;
            _logger.LogError("Edge agent cannot run: {Error}", e.Message);
            lifetime.StopApplication();
        }
    }

    private async Task RunCamerasAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var gateModel = GateModel.Load(o.Gate.Heads);
        lock (_modelVersions)
        {
            _modelVersions[$"gate-{gateModel.Rule}"] = gateModel.Version;
            var detector = ModelPackageLoader.Load(o.Detector.Manifest, o.Detector.ModelFile).Manifest;
            _modelVersions[detector.Name] = detector.Version;
            if (o.Encoder.Enabled)
            {
                var encoder = ModelPackageLoader.Load(o.Encoder.Manifest, o.Encoder.ModelFile).Manifest;
                _modelVersions[encoder.Name] = encoder.Version;
            }
            if (o.Pose.Enabled)
            {
                var pose = ModelPackageLoader.Load(o.Pose.Manifest, o.Pose.ModelFile).Manifest;
                _modelVersions[pose.Name] = pose.Version;
            }
        }
        var builder = new ClipBuilder(o.Gate.KeyframeFps, o.Gate.ClipVideo, TimeSpan.FromSeconds(60));
        if (o.Gate.ClipVideo && !ClipBuilder.FfmpegAvailable) _logger.LogWarning("ffmpeg is not on PATH: clips carry keyframes only, no MP4");
        _logger.LogInformation("Gate {Rule} v{Version}: low {Low:F3}, high {High:F3}, window {Window} s", gateModel.Rule, gateModel.Version, gateModel.Low, gateModel.High, gateModel.WindowSeconds);
        try
        {
            foreach (var camera in o.Cameras)
            {
                lock (_pipelines) _pipelines.Add(CreatePipeline(o, camera, gateModel, builder));
            }
            var runs = _pipelines.Select(p => Task.Run(() => p.RunAsync(stoppingToken), CancellationToken.None)).ToList();
            await Task.WhenAll(runs).ConfigureAwait(false);
            if (!stoppingToken.IsCancellationRequested)
            {
                await DrainSpoolAsync(stoppingToken).ConfigureAwait(false);
                _logger.LogInformation("Every camera has ended; stopping");
                lifetime.StopApplication();
            }
        }
        finally
        {
            foreach (var p in _pipelines) await p.DisposeAsync().ConfigureAwait(false);
            _logger.LogInformation("{Summary}", counters.Summary());
            _logger.LogInformation("Stage means (ms/frame): detect {Detect:F1}, track {Track:F2}, gate {Gate:F1}, clip {Clip:F1}",
                timings.MeanMilliseconds(Stage.Detect), timings.MeanMilliseconds(Stage.Track), timings.MeanMilliseconds(Stage.GateFeatures), timings.MeanMilliseconds(Stage.Clip));
        }
    }

    /// <summary>
    /// When the input has ended (files played once), give the uplink a bounded time to send what is spooled before the
    /// process exits; what is left stays on disk and goes out at the next start.
    /// </summary>
    private async Task DrainSpoolAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + SpoolDrainTime;
        while (spool.Health.Items > 0 && DateTime.UtcNow < deadline && !ct.IsCancellationRequested)
        {
            try { await Task.Delay(250, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
        if (spool.Health.Items > 0) _logger.LogWarning("{Items} spooled items not sent yet; they stay in the spool for the next start", spool.Health.Items);
    }

    private static readonly TimeSpan SpoolDrainTime = TimeSpan.FromSeconds(60);

    private CameraPipeline CreatePipeline(EdgeOptions o, CameraOptions camera, GateModel gateModel, ClipBuilder builder)
    {
        var logger = loggers.CreateLogger($"VideoAnalytics.Edge.Camera.{camera.Id}");
        var detector = DetectorLoader.Load(o.Detector, o.Onnx, loggers);
        ImageEncoder? encoder = null;
        HeadSet? heads = null;
        SceneObserver? scene = null;
        HeadSet? sceneHeads = null;
        if (o.Encoder.Enabled)
        {
            var package = ModelPackageLoader.Load(o.Encoder.Manifest, o.Encoder.ModelFile);
            encoder = new ImageEncoder(new OnnxSessionFactory(o.Onnx, loggers.CreateLogger<OnnxSessionFactory>()).Create(package));
            if (!string.IsNullOrWhiteSpace(o.Encoder.Heads)) heads = HeadSet.Load(o.Encoder.Heads, encoder.EmbeddingSize, encoder.ModelName);
            sceneHeads = string.IsNullOrWhiteSpace(o.Encoder.SceneHeads) ? null : HeadSet.Load(o.Encoder.SceneHeads, encoder.EmbeddingSize, encoder.ModelName);
            scene = new SceneObserver(encoder, sceneHeads, TimeSpan.FromSeconds(o.Encoder.SceneEverySeconds));
        }
        var provided = new Dictionary<string, float>();
        if (sceneHeads is not null) HeadScores.Name(sceneHeads, new float[sceneHeads.OutputCount], provided);
        var missingHeads = gateModel.HeadNames.Where(h => !provided.ContainsKey(h)).ToList();
        if (missingHeads.Count > 0)
            throw new InvalidDataException($"gate heads file '{o.Gate.Heads}' reads scene heads [{string.Join(",", missingHeads)}] that Edge:Encoder:SceneHeads does not provide");
        var person = DetectorLoader.PersonClassId(detector);
        var clips = new ClipRecorder(TimeSpan.FromSeconds(o.Gate.PreRollSeconds), TimeSpan.FromSeconds(o.Gate.PostRollSeconds), o.Gate.ClipMaxSide, builder, spool, counters, logger);
        // Heads packages pushed by the cloud replace the configured gate when the model manager is part of the host.
        var pose = o.Pose.CreateMotion(o.Onnx, loggers);
        var gate = new CameraGate(camera.Id, o.Device, gateModel, o.Gate, person, clips, spool, counters, logger, services.GetService<ModelSlots>(), pose);
        var tracks = new TrackRecorder(camera.Id, o.Device, o.Tracks, detector.Labels, person, encoder, heads, spool, counters);
        if (camera.AnalysisFps is { } fps && Math.Abs(fps - gateModel.AnalysisFps) > 1e-6)
            logger.LogWarning("Camera {Camera} analyses {Fps} frames/s but gate v{Version} was trained at {GateFps}: its motion features will read differently; leave AnalysisFps unset to follow the gate",
                camera.Id, fps, gateModel.Version, gateModel.AnalysisFps);
        var worker = new CameraWorker(camera, logger, analysisFpsWhenUnset: gateModel.AnalysisFps);
        return new CameraPipeline(worker, detector, tracks, gate, clips, scene, encoder, counters, timings, logger);
    }
}
