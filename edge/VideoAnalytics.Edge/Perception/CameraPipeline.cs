using System.Diagnostics;
using Microsoft.Extensions.Logging;
using VideoAnalytics.Edge.Capture;
using VideoAnalytics.Edge.Clips;
using VideoAnalytics.Edge.Gating;
using VideoAnalytics.Edge.Hosting;
using VideoAnalytics.Vision.Detection;

namespace VideoAnalytics.Edge.Perception;

/// <summary>
/// One camera's analysis loop: frames from its <see cref="CameraWorker"/> → detector → tracker → track records,
/// gate and clip ring. Each frame goes back to the capture pool when done.
/// </summary>
public sealed class CameraPipeline(
    CameraWorker worker, IObjectDetector detector, TrackRecorder tracks, CameraGate gate, ClipRecorder clips,
    EdgeCounters counters, StageTimings timings, ILogger logger) : IAsyncDisposable
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
            await foreach (var frame in worker.Frames.ReadAllAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    _step.Process(frame.Image, frame.Position);
                    await tracks.ObserveAsync(frame.Image, frame.Position, frame.CapturedUtc, _step.Active, _step.Ended, ct).ConfigureAwait(false);
                    var t0 = Stopwatch.GetTimestamp();
                    await gate.ObserveAsync(frame.Image, frame.Position, frame.CapturedUtc, _step.Active, null, ct).ConfigureAwait(false);
                    timings.Add(Stage.GateFeatures, t0);
                    var t1 = Stopwatch.GetTimestamp();
                    clips.Add(frame.Image, frame.Position, frame.CapturedUtc, _step.Active, detector.Labels);
                    timings.Add(Stage.Clip, t1);
                }
                finally
                {
                    frame.Return();
                    worker.MarkAnalysed();
                    counters.FrameAnalysed();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        await tracks.FlushAsync(DateTimeOffset.UtcNow, CancellationToken.None).ConfigureAwait(false);
        await clips.FlushAsync().ConfigureAwait(false);
        logger.LogInformation("Camera {Camera} analysis stopped ({State}): {Analysed} frames analysed, {Dropped} dropped",
            worker.CameraId, worker.State, worker.Health().FramesAnalysed, worker.FramesDropped);
    }

    public async ValueTask DisposeAsync()
    {
        await worker.DisposeAsync().ConfigureAwait(false);
        await clips.DisposeAsync().ConfigureAwait(false);
        tracks.Dispose();
        gate.Dispose();
        detector.Dispose();
    }
}
