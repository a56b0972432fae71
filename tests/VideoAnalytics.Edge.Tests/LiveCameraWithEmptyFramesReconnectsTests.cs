using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using VideoAnalytics.Edge.Capture;

namespace VideoAnalytics.Edge.Tests;

public sealed class LiveCameraWithEmptyFramesReconnectsTests
{
    [Fact]
    public async Task A_live_camera_that_returns_empty_frames_is_reopened_with_backoff_until_it_delivers()
    {
        var opened = 0;
        var camera = new CameraOptions
        {
            Id = "flaky", Source = "rtsp://127.0.0.1:1/cam", AnalysisFps = 0, QueueCapacity = 4,
            ReconnectInitialSeconds = 0.05, ReconnectMaxSeconds = 0.2,
        };
        await using var worker = new CameraWorker(camera, NullLogger.Instance, _ => new CameraSource(Interlocked.Increment(ref opened), emptyUntilOpening: 4));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        worker.Start(cts.Token);

        var frame = await worker.Frames.ReadAsync(cts.Token);
        Assert.False(frame.Image.Empty());
        frame.Return();
        Assert.Equal(4, opened);
        Assert.Equal(3, worker.Reconnects);
        Assert.Equal(CameraStates.Running, worker.State);
        await cts.CancelAsync();
    }

    /// <summary>A camera whose first openings give an empty frame at once (as a camera mid-reboot does), then real frames.</summary>
    private sealed class CameraSource(int opening, int emptyUntilOpening) : IFrameSource
    {
        private int _reads;

        public string Description => $"test camera (opening {opening})";

        public double Fps => 25;

        public bool TryRead(Mat frame, out TimeSpan position)
        {
            position = TimeSpan.FromMilliseconds(40 * _reads++);
            if (opening < emptyUntilOpening) return false;
            Thread.Sleep(40); // a camera's read blocks until its next frame
            frame.Create(48, 64, MatType.CV_8UC3);
            frame.SetTo(new Scalar(90, 120, 150));
            return true;
        }

        public void Dispose()
        {
        }
    }
}
