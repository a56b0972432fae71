using Microsoft.Extensions.Logging.Abstractions;
using VideoAnalytics.Edge.Capture;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Edge.Tests;

public sealed class CameraReconnectsToRtspTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Worker_reads_an_rtsp_stream_and_resumes_after_the_server_restarts()
    {
        using var server = new RtspTestServer(TestEnvironment.Videos("survfight", "fight", "fi031.mp4"));
        server.Start();
        var camera = new CameraOptions
        {
            Id = "rtsp-cam", Source = server.Url, AnalysisFps = 5, QueueCapacity = 2,
            ReconnectInitialSeconds = 0.2, ReconnectMaxSeconds = 1, OpenTimeoutSeconds = 3, ReadTimeoutSeconds = 3,
        };
        await using var worker = new CameraWorker(camera, NullLogger.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        worker.Start(cts.Token);
        var drain = DrainAsync(worker, cts.Token);

        await WaitForAsync(() => worker.FramesDelivered >= 3, "first frames over RTSP");
        Assert.Equal(CameraStates.Running, worker.State);

        server.Stop();
        await WaitForAsync(() => worker.State == CameraStates.Reconnecting, "worker to notice the server is gone");
        var beforeRestart = worker.FramesDelivered;
        Assert.NotNull(worker.Health().LastError);

        server.Start();
        await WaitForAsync(() => worker.FramesDelivered >= beforeRestart + 3, "frames after the server came back");
        Assert.Equal(CameraStates.Running, worker.State);
        Assert.True(worker.Reconnects >= 1);
        var health = worker.Health();
        Assert.Equal("rtsp-cam", health.Camera);
        Assert.True(health.FramesAnalysed >= 6);
        Assert.NotNull(health.LastFrameUtc);

        await cts.CancelAsync();
        await drain;
    }

    private static async Task DrainAsync(CameraWorker worker, CancellationToken ct)
    {
        try
        {
            await foreach (var frame in worker.Frames.ReadAllAsync(ct))
            {
                Assert.False(frame.Image.Empty());
                worker.MarkAnalysed();
                frame.Return();
            }
        }
        catch (OperationCanceledException) { }
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
