using Microsoft.Extensions.Logging;
using VideoAnalytics.Edge.Capture;
using VideoAnalytics.Edge.Clips;
using VideoAnalytics.Edge.Device;
using VideoAnalytics.Edge.Gating;
using VideoAnalytics.Edge.Models;
using VideoAnalytics.Edge.Perception;
using VideoAnalytics.Edge.Spool;
using VideoAnalytics.Vision.Encoding;
using VideoAnalytics.Vision.Gating;
using VideoAnalytics.Vision.Heads;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Edge.Pipeline;

/// <summary>
/// Builds each configured camera's <see cref="CameraPipeline"/>: its own detector, encoder and pose sessions (sessions
/// are not shared across threads), track recorder, gate and clip recorder, all writing into one spool.
/// </summary>
/// <param name="slots">The model manager's slots when it is part of the host: heads packages pushed by the cloud then replace the configured gate.</param>
public sealed class CameraPipelineFactory(
    EdgeOptions options, GateModel gateModel, ISpool spool, EdgeCounters counters, StageTimings timings, ModelSlots? slots, ILoggerFactory loggers)
{
    private readonly ClipBuilder _clipBuilder = new(options.Gate.KeyframeFps, options.Gate.ClipVideo, TimeSpan.FromSeconds(60));

    public CameraPipeline Create(CameraOptions camera)
    {
        var o = options;
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
        var clips = new ClipRecorder(TimeSpan.FromSeconds(o.Gate.PreRollSeconds), TimeSpan.FromSeconds(o.Gate.PostRollSeconds), o.Gate.ClipMaxSide, _clipBuilder, spool, counters, logger);
        var pose = o.Pose.CreateMotion(o.Onnx, loggers);
        var gate = new CameraGate(camera.Id, o.Device.Id, gateModel, o.Gate, person, spool, counters, logger, slots, pose);
        var tracks = new TrackRecorder(camera.Id, o.Device.Id, o.Tracks, detector.Labels, person, encoder, heads);
        if (camera.AnalysisFps is { } fps && Math.Abs(fps - gateModel.AnalysisFps) > 1e-6)
            logger.LogWarning("Camera {Camera} analyses {Fps} frames/s but gate v{Version} was trained at {GateFps}: its motion features will read differently; leave AnalysisFps unset to follow the gate",
                camera.Id, fps, gateModel.Version, gateModel.AnalysisFps);
        var worker = new CameraWorker(camera, logger, analysisFpsWhenUnset: gateModel.AnalysisFps);
        return new CameraPipeline(worker, detector, tracks, gate, clips, scene, encoder, spool, counters, timings, logger);
    }
}
