using Microsoft.Extensions.Logging.Abstractions;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Edge.Spool;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Edge.Tests.Spool;

public sealed class SpoolBoundDropsTrackBatchesBeforeClipsTests : IDisposable
{
    private const long Bound = 1024 * 1024;
    private static readonly CameraId Camera = new DeviceId("b1", "s1", "d1").Camera("cam1");
    private readonly string _dir = TestEnvironment.NewTempDir("va-spool");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private FileSpool Open() => new(_dir, Bound, Camera.Device, NullLogger<FileSpool>.Instance);

    [Fact]
    public async Task OldestTrackBatchesGoFirstThenOldestClipsAndDropsAreCounted()
    {
        var spool = Open();
        for (var seq = 0; seq < 10; seq++) await spool.EnqueueTrackBatchAsync(SampleMessages.Tracks(Camera, seq, 3), CancellationToken.None);
        await spool.EnqueueGateEventAsync(SampleMessages.Event(Camera), CancellationToken.None);
        var clipIds = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var (manifest, blob) = SampleMessages.Clip(Camera, 300 * 1024);
            await spool.EnqueueClipAsync(manifest, blob, CancellationToken.None);
            clipIds.Add(manifest.ClipId);
        }

        // 4 x 300 KiB cannot fit in 1 MiB: every track batch went, then the oldest clip; the gate event stayed.
        var pending = spool.PendingAfter(-1, 100);
        Assert.Equal([SpoolItemKind.GateEvent, SpoolItemKind.Clip, SpoolItemKind.Clip, SpoolItemKind.Clip], pending.Select(e => e.Kind));
        Assert.Equal(10, spool.Health.DroppedTrackBatches);
        Assert.Equal(1, spool.Health.DroppedClips);
        Assert.True(spool.Health.Bytes <= Bound);

        var reopened = Open();
        Assert.Equal(10, reopened.Health.DroppedTrackBatches);
        Assert.Equal(1, reopened.Health.DroppedClips);
        Assert.Equal(4, reopened.Health.Items);
    }

    [Fact]
    public async Task ClipLargerThanTheBoundIsDroppedAndCounted()
    {
        var spool = Open();
        var (manifest, blob) = SampleMessages.Clip(Camera, (int)Bound + 1);
        await spool.EnqueueClipAsync(manifest, blob, CancellationToken.None);
        Assert.Equal(0, spool.Health.Items);
        Assert.Equal(1, spool.Health.DroppedClips);
    }
}
