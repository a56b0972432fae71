using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Edge.Clips;
using VideoAnalytics.Edge.Device;
using VideoAnalytics.Edge.Models;
using VideoAnalytics.Edge.Perception;
using VideoAnalytics.Edge.Pipeline;
using VideoAnalytics.Edge.Spool;
using VideoAnalytics.Edge.Uplink;
using VideoAnalytics.Vision.Gating;
using VideoAnalytics.Vision.Heads;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Edge.Hosting;

/// <summary>
/// The edge agent: one <see cref="CameraPipeline"/> per configured camera, all writing into the spool.
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
        var pipelines = new CameraPipelineFactory(o, gateModel, spool, counters, timings, services.GetService<ModelSlots>(), loggers);
        if (o.Gate.ClipVideo && !ClipBuilder.FfmpegAvailable) _logger.LogWarning("ffmpeg is not on PATH: clips carry keyframes only, no MP4");
        _logger.LogInformation("Gate {Rule} v{Version}: low {Low:F3}, high {High:F3}, window {Window} s", gateModel.Rule, gateModel.Version, gateModel.Low, gateModel.High, gateModel.WindowSeconds);
        try
        {
            foreach (var camera in o.Cameras)
            {
                lock (_pipelines) _pipelines.Add(pipelines.Create(camera));
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
}
