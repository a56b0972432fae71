using System.Diagnostics;
using Microsoft.Extensions.Logging;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Edge.Capture;
using VideoAnalytics.Edge.Clips;
using VideoAnalytics.Edge.Device;
using VideoAnalytics.Edge.Gating;
using VideoAnalytics.Edge.Perception;
using VideoAnalytics.Edge.Spool;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Encoding;

namespace VideoAnalytics.Edge.Pipeline;

/// <summary>
/// One camera's analysis: frames from its <see cref="CameraWorker"/> → detector → tracker, overlapped
/// (<see cref="PipelinedPerception"/>) with track records, scene encoder, gate and clip ring on the previous frame.
/// Track batches, gate events and clips go into the spool. Each frame goes back to the capture pool when done.
/// </summary>
public sealed class CameraPipeline(
    CameraWorker worker, IObjectDetector detector, TrackRecorder tracks, CameraGate gate, ClipRecorder clips,
    SceneObserver? scene, ImageEncoder? encoder, ISpool spool, EdgeCounters counters, StageTimings timings, ILogger logger) : IAsyncDisposable
{
    private readonly PerceptionStep _step = new(detector, DetectorLoader.NewTracker(), timings);

    public CameraWorker Worker => worker;

    public CameraGate Gate => gate;

    public async Task RunAsync(CancellationToken ct)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["Camera"] = worker.CameraId });
        worker.Start(ct);
        try
        {
            await PipelinedPerception.RunAsync(worker.Frames, f => f.Image, f => f.Position, _step, AnalyseAsync, Release, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        await SpoolAsync(tracks.Flush(DateTimeOffset.UtcNow), CancellationToken.None).ConfigureAwait(false);
        await clips.FlushAsync().ConfigureAwait(false);
        logger.LogInformation("Camera {Camera} analysis stopped ({State}): {Analysed} frames analysed, {Dropped} dropped",
            worker.CameraId, worker.State, worker.Health().FramesAnalysed, worker.FramesDropped);
    }

    /// <summary>Everything after detection and tracking, on the frame's own copy of the tracks.</summary>
    private async ValueTask AnalyseAsync(PerceivedFrame<CapturedFrame> perceived, CancellationToken ct)
    {
        var frame = perceived.Frame;
        await SpoolAsync(tracks.Observe(frame.Image, frame.Position, frame.CapturedUtc, perceived.Active, perceived.Ended), ct).ConfigureAwait(false);
        if (scene is not null)
        {
            var te = Stopwatch.GetTimestamp();
            scene.Update(frame.Image, frame.Position);
            timings.Add(Stage.Encode, te);
        }
        var t0 = Stopwatch.GetTimestamp();
        var clip = await gate.ObserveAsync(frame.Image, frame.Position, frame.CapturedUtc, perceived.Active, scene?.Heads, ct).ConfigureAwait(false);
        // The clip carries the scene embedding of the frame that raised it (encoded now if none is fresh).
        if (clip is not null) clips.Trigger(clip with { SceneEmbedding = scene?.Embedding(frame.Image, frame.Position) }, frame.Position);
        timings.Add(Stage.GateFeatures, t0);
        var t1 = Stopwatch.GetTimestamp();
        clips.Add(frame.Image, frame.Position, frame.CapturedUtc, perceived.Active, detector.Labels);
        timings.Add(Stage.Clip, t1);
    }

    private async ValueTask SpoolAsync(TrackBatch? batch, CancellationToken ct)
    {
        if (batch is null) return;
        await spool.EnqueueTrackBatchAsync(batch, ct).ConfigureAwait(false);
        counters.TrackBatchWritten(batch.Records.Count);
    }

    private void Release(CapturedFrame frame)
    {
        frame.Return();
        worker.MarkAnalysed();
        counters.FrameAnalysed();
    }

    public async ValueTask DisposeAsync()
    {
        await worker.DisposeAsync().ConfigureAwait(false);
        await clips.DisposeAsync().ConfigureAwait(false);
        tracks.Dispose();
        gate.Dispose();
        detector.Dispose();
        encoder?.Dispose();
    }
}
