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
    public async Task A_reader_that_falls_behind_a_live_source_gets_fresh_frames_and_the_camera_reports_the_drops()
    {
        var camera = new CameraOptions { Id = "slow", Source = TestEnvironment.PedestrianVideo, Live = true, Loop = false, AnalysisFps = 0, QueueCapacity = 2 };
        await using var worker = new CameraWorker(camera, NullLogger.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        worker.Start(cts.Token);
        var read = 0;
        var lastSequence = 0L;
        var gaps = 0;
        await foreach (var frame in worker.Frames.ReadAllAsync(cts.Token))
        {
            if (frame.Sequence > lastSequence + 1) gaps++;
            lastSequence = frame.Sequence;
            frame.Return();
            if (++read == 15) break;
            await Task.Delay(250, cts.Token); // slower than the video's own frame rate
        }
        Assert.True(worker.FramesDropped > 0);
        Assert.True(gaps > 0);
        Assert.Equal(worker.FramesDropped, worker.Health().FramesDropped);
    }

    [Fact]
    public async Task A_file_replayed_as_fast_as_possible_loses_no_frame_to_a_slow_reader()
    {
        var camera = new CameraOptions { Id = "batch", Source = TestEnvironment.Videos("survfight/fight/fi124.mp4"), Live = false, Loop = false, AnalysisFps = 0, QueueCapacity = 2 };
        await using var worker = new CameraWorker(camera, NullLogger.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        worker.Start(cts.Token);
        var sequences = new List<long>();
        await foreach (var frame in worker.Frames.ReadAllAsync(cts.Token))
        {
            sequences.Add(frame.Sequence);
            frame.Return();
            await Task.Delay(10, cts.Token);
        }
        Assert.Equal(0, worker.FramesDropped);
        Assert.Equal(worker.FramesDelivered, sequences.Count);
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        Assert.True(sequences.Count >= 50, $"only {sequences.Count} frames of a 2 s clip");
    }
}
