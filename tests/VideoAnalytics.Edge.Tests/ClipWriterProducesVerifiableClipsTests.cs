using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Edge.Capture;
using VideoAnalytics.Edge.Clips;
using VideoAnalytics.Edge.Device;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Tracking;

namespace VideoAnalytics.Edge.Tests;

public sealed class ClipWriterProducesVerifiableClipsTests : IDisposable
{
    private readonly string _dir = TestEnvironment.NewTempDir("va-edge-clip");

    [Fact]
    public async Task A_triggered_clip_has_pre_roll_keyframes_with_boxes_an_mp4_and_hashes_that_verify()
    {
        var spool = new FolderSpool(_dir);
        var counters = new EdgeCounters();
        var builder = new ClipBuilder(keyframeFps: 2, withVideo: true, TimeSpan.FromSeconds(60));
        await using var recorder = new ClipRecorder(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 480, builder, spool, counters, NullLogger.Instance);
        using var source = new VideoFileSource(TestEnvironment.PedestrianVideo);
        using var frame = new Mat();
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        TrackedObject[] tracks = [new(7, 0, new BoxF(100, 80, 40, 120), 0.9f, 0, 0)];
        var request = new ClipRequest(ClipBuilder.NewClipId(), "b1", "s1", "d1", "cam-1", "fight", GateDecision.Uncertain, 0.55,
            new Dictionary<string, float> { ["speed_mean"] = 1.5f });
        for (var i = 0; i < 60 && source.TryRead(frame, out var position); i++)
        {
            recorder.Add(frame, position, start + position, tracks, ["person"]);
            if (i == 25) recorder.Trigger(request, position);
        }
        await recorder.FlushAsync();

        var (manifest, blob) = Assert.Single(spool.Clips);
        Assert.Empty(manifest.Validate(DateTimeOffset.UtcNow));
        Assert.Equal(request.ClipId, manifest.ClipId);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(blob)), manifest.Sha256);
        Assert.Equal(blob.Length, manifest.TotalBytes);
        Assert.Equal((blob.Length + Limits.MaxChunkBytes - 1) / Limits.MaxChunkBytes, manifest.ChunkCount);
        foreach (var file in manifest.Files)
        {
            var bytes = blob.AsSpan((int)file.Offset, (int)file.Length);
            Assert.Equal(file.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
        // Pre-roll 1 s + post-roll 1 s around frame 25 at 10 fps: from about frame 15 to frame 35.
        Assert.InRange((manifest.EndUtc - manifest.StartUtc).TotalSeconds, 1.5, 2.5);
        Assert.True(manifest.Keyframes.Count >= 3);
        foreach (var keyframe in manifest.Keyframes)
        {
            var file = manifest.Files.Single(f => f.Name == keyframe.File);
            using var image = Cv2.ImDecode(blob.AsSpan((int)file.Offset, (int)file.Length).ToArray(), ImreadModes.Color);
            Assert.False(image.Empty());
            Assert.Equal(manifest.FrameWidth, image.Cols);
            var box = Assert.Single(keyframe.Boxes);
            Assert.Equal(7, box.TrackId);
            Assert.InRange(box.X, 0.2f, 0.22f);
        }
        var video = manifest.Files.Single(f => f.Name == ClipBuilder.VideoFileName);
        var mp4 = Path.Combine(_dir, "clip.mp4");
        await File.WriteAllBytesAsync(mp4, blob.AsSpan((int)video.Offset, (int)video.Length).ToArray());
        using var decoded = new VideoFileSource(mp4);
        using var first = new Mat();
        Assert.True(decoded.TryRead(first, out _));
        Assert.Equal(1, counters.ClipsWritten);
        Assert.Equal(blob.Length, counters.ClipBytes);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
