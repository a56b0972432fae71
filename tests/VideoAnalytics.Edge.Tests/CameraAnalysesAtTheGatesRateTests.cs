using Microsoft.Extensions.Logging.Abstractions;
using VideoAnalytics.Edge.Capture;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Edge.Tests;

/// <summary>The gate's motion features are per analysed frame, so a camera with no rate of its own follows the gate's.</summary>
public sealed class CameraAnalysesAtTheGatesRateTests
{
    // fi124 is 2 s at 30 frames/s.
    private static readonly string Clip = TestEnvironment.Videos("survfight", "fight", "fi124.mp4");

    [Theory]
    [InlineData(null, 10.0, 10.0)]
    [InlineData(5.0, 10.0, 5.0)]
    public async Task A_camera_without_an_analysis_rate_analyses_at_the_gates_rate(double? configured, double gateFps, double expectedFps)
    {
        var camera = new CameraOptions { Id = "rate", Source = Clip, Live = false, Loop = false, AnalysisFps = configured, QueueCapacity = 256 };
        await using var worker = new CameraWorker(camera, NullLogger.Instance, analysisFpsWhenUnset: gateFps);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        worker.Start(cts.Token);
        var frames = 0;
        TimeSpan last = default;
        await foreach (var frame in worker.Frames.ReadAllAsync(cts.Token))
        {
            frames++;
            last = frame.Position;
            frame.Return();
        }

        Assert.Equal(expectedFps, worker.AnalysisFps);
        var seconds = last.TotalSeconds;
        Assert.InRange(frames, (int)(seconds * expectedFps * 0.8), (int)Math.Ceiling(seconds * expectedFps * 1.2) + 1);
    }
}
