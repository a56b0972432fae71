using Microsoft.Extensions.Logging.Abstractions;
using VideoAnalytics.Edge.Capture;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Edge.Tests;

public sealed class CaptureDropsOldestFramesTests
{
    [Fact]
    public async Task A_full_channel_drops_the_oldest_items_and_counts_them()
    {
        var released = new List<int>();
        var channel = new DropOldestChannel<int>(3, released.Add);
        for (var i = 1; i <= 10; i++) channel.Write(i);
        channel.Complete();

        var kept = new List<int>();
        await foreach (var i in channel.Reader.ReadAllAsync()) kept.Add(i);
        Assert.Equal([8, 9, 10], kept);
        Assert.Equal(7, channel.Dropped);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], released);
    }

    [Fact]
    public async Task A_reader_that_falls_behind_gets_fresh_frames_and_the_camera_reports_the_drops()
    {
        var camera = new CameraOptions { Id = "slow", Source = TestEnvironment.PedestrianVideo, Live = false, Loop = false, AnalysisFps = 0, QueueCapacity = 2 };
        await using var worker = new CameraWorker(camera, NullLogger.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        worker.Start(cts.Token);
        long read = 0;
        var lastSequence = 0L;
        var gaps = 0;
        await foreach (var frame in worker.Frames.ReadAllAsync(cts.Token))
        {
            if (frame.Sequence > lastSequence + 1) gaps++;
            lastSequence = frame.Sequence;
            read++;
            frame.Return();
            await Task.Delay(20, cts.Token);
        }
        Assert.True(worker.FramesDropped > 0);
        Assert.True(gaps > 0);
        Assert.Equal(worker.FramesDelivered, read + worker.FramesDropped);
        Assert.Equal(worker.FramesDropped, worker.Health().FramesDropped);
    }
}
