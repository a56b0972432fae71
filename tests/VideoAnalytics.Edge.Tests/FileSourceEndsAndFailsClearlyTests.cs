using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using VideoAnalytics.Edge.Capture;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Edge.Tests;

public sealed class FileSourceEndsAndFailsClearlyTests : IDisposable
{
    private readonly string _dir = TestEnvironment.NewTempDir("va-edge-file");
    private static string Clip => TestEnvironment.Videos("survfight", "fight", "fi031.mp4");

    [Fact]
    public void Reading_a_file_to_its_end_returns_every_frame_then_false()
    {
        using var source = new VideoFileSource(Clip);
        using var frame = new Mat();
        var count = 0;
        var last = TimeSpan.Zero;
        while (source.TryRead(frame, out var position))
        {
            Assert.False(frame.Empty());
            Assert.True(position >= last);
            last = position;
            count++;
        }
        Assert.InRange(count, 45, 55);
        Assert.InRange(source.Fps, 23, 25);
    }

    [Fact]
    public void A_file_that_is_not_a_video_fails_with_its_path_in_the_error()
    {
        var bogus = Path.Combine(_dir, "garbage.mp4");
        File.WriteAllBytes(bogus, Enumerable.Range(0, 50_000).Select(i => (byte)(i * 31 % 251)).ToArray());
        var e = Assert.Throws<FrameSourceException>(() =>
        {
            using var source = new VideoFileSource(bogus);
            using var frame = new Mat();
            while (source.TryRead(frame, out _)) { }
        });
        Assert.Contains(bogus, e.Message);
    }

    [Fact]
    public void A_truncated_file_is_reported_as_truncated_not_as_a_normal_end()
    {
        var truncated = Path.Combine(_dir, "truncated.avi");
        var original = File.ReadAllBytes(TestEnvironment.PedestrianVideo);
        File.WriteAllBytes(truncated, original.AsSpan(0, original.Length / 3).ToArray());
        var e = Assert.Throws<FrameSourceException>(() =>
        {
            using var source = new VideoFileSource(truncated);
            using var frame = new Mat();
            while (source.TryRead(frame, out _)) { }
        });
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public async Task A_camera_on_a_corrupt_file_fails_while_another_camera_keeps_running()
    {
        var bogus = Path.Combine(_dir, "broken.mp4");
        File.WriteAllText(bogus, "not a video");
        await using var broken = new CameraWorker(new CameraOptions { Id = "broken", Source = bogus, Live = false }, NullLogger.Instance);
        await using var good = new CameraWorker(new CameraOptions { Id = "good", Source = Clip, Live = false, Loop = false, AnalysisFps = 0, QueueCapacity = 100 }, NullLogger.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        broken.Start(cts.Token);
        good.Start(cts.Token);

        var frames = 0;
        await foreach (var frame in good.Frames.ReadAllAsync(cts.Token))
        {
            frames++;
            frame.Return();
        }
        await broken.Completion.WaitAsync(cts.Token);
        await good.Completion.WaitAsync(cts.Token);

        Assert.Equal(CameraStates.Failed, broken.State);
        Assert.Contains(bogus, broken.Health().LastError);
        Assert.Equal(CameraStates.Ended, good.State);
        Assert.InRange(frames, 45, 55);
    }

    [Fact]
    public async Task A_looping_playlist_keeps_positions_increasing_across_files()
    {
        var playlist = Path.Combine(_dir, "list.m3u");
        File.WriteAllLines(playlist, ["# two short clips", Clip, TestEnvironment.Videos("survfight", "fight", "fi034.mp4")]);
        await using var worker = new CameraWorker(new CameraOptions { Id = "loop", Source = playlist, Live = false, Loop = true, AnalysisFps = 10, QueueCapacity = 500 }, NullLogger.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        worker.Start(cts.Token);
        var last = TimeSpan.MinValue;
        var frames = 0;
        await foreach (var frame in worker.Frames.ReadAllAsync(cts.Token))
        {
            Assert.True(frame.Position > last, $"position {frame.Position} after {last}");
            last = frame.Position;
            frame.Return();
            // Two files of ~2 s at 10 analysed frames/s: 100 frames means the playlist went round more than twice.
            if (++frames == 100) break;
        }
        Assert.True(last > TimeSpan.FromSeconds(9));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
