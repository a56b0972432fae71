using Microsoft.Extensions.Logging.Abstractions;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Edge.Spool;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Edge.Tests.Spool;

public sealed class SpoolSurvivesRestartTests : IDisposable
{
    private static readonly DeviceId Device = new("b1", "s1", "d1");
    private static readonly CameraId Camera = Device.Camera("cam1");
    private readonly string _dir = TestEnvironment.NewTempDir("va-spool");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private FileSpool Open(long maxBytes = 64L * 1024 * 1024) => new(_dir, maxBytes, Device, NullLogger<FileSpool>.Instance);

    [Fact]
    public async Task ItemsComeBackInOrderAfterRestart()
    {
        var (manifest, blob) = SampleMessages.Clip(Camera, 300_000);
        var spool = Open();
        for (var seq = 0; seq < 3; seq++) await spool.EnqueueTrackBatchAsync(SampleMessages.Tracks(Camera, seq, 2), CancellationToken.None);
        await spool.EnqueueClipAsync(manifest, blob, CancellationToken.None);
        await spool.EnqueueGateEventAsync(SampleMessages.Event(Camera), CancellationToken.None);

        var reopened = Open();
        var pending = reopened.PendingAfter(-1, 100);
        Assert.Equal([SpoolItemKind.TrackBatch, SpoolItemKind.TrackBatch, SpoolItemKind.TrackBatch, SpoolItemKind.Clip, SpoolItemKind.GateEvent],
            pending.Select(e => e.Kind));
        Assert.Equal(5, reopened.Health.Items);

        var clip = await reopened.ReadAsync(pending[3], CancellationToken.None);
        Assert.NotNull(clip);
        Assert.Equal(blob, clip.Blob.ToArray());
        Assert.True(ContractJson.TryRead<ClipManifest>(clip.Json.Span, DateTimeOffset.UtcNow, out var read, out _));
        Assert.Equal(manifest.ClipId, read.ClipId);
        Assert.EndsWith($"/cam/cam1/clips/{manifest.ClipId}", clip.Topic, StringComparison.Ordinal);

        var sequences = new List<long>();
        foreach (var e in pending.Take(3))
        {
            var item = await reopened.ReadAsync(e, CancellationToken.None);
            Assert.True(ContractJson.TryRead<TrackBatch>(item!.Json.Span, DateTimeOffset.UtcNow, out var batch, out _));
            sequences.Add(batch.Sequence);
        }
        Assert.Equal([0L, 1L, 2L], sequences);

        // Sequence numbers continue after the restart, so new items queue behind the old ones.
        await reopened.EnqueueTrackBatchAsync(SampleMessages.Tracks(Camera, 3, 1), CancellationToken.None);
        Assert.True(reopened.PendingAfter(-1, 100)[^1].Sequence > pending[^1].Sequence);
    }

    [Fact]
    public async Task HalfWrittenFilesAreIgnoredAndDeleted()
    {
        var spool = Open();
        await spool.EnqueueTrackBatchAsync(SampleMessages.Tracks(Camera, 0, 1), CancellationToken.None);
        // What a power cut during a write leaves behind: a temp file that was never renamed into place.
        var torn = Path.Combine(_dir, "0000000000000007-clip-cam1.item.tmp");
        await File.WriteAllBytesAsync(torn, new byte[1000]);

        var reopened = Open();
        Assert.Single(reopened.PendingAfter(-1, 100));
        Assert.False(File.Exists(torn));
    }

    [Fact]
    public async Task AcknowledgedItemsAreGoneAfterRestart()
    {
        var spool = Open();
        await spool.EnqueueTrackBatchAsync(SampleMessages.Tracks(Camera, 0, 1), CancellationToken.None);
        await spool.EnqueueTrackBatchAsync(SampleMessages.Tracks(Camera, 1, 1), CancellationToken.None);
        var first = spool.PendingAfter(-1, 1).Single();
        spool.Acknowledge(first);
        spool.Acknowledge(first);

        Assert.Equal(1, spool.Health.Items);
        Assert.Equal([1L], Open().PendingAfter(-1, 100).Select(e => e.Sequence));
    }

    [Fact]
    public async Task RecentlyAcknowledgedItemsCanBeSentAgain()
    {
        var spool = new FileSpool(_dir, 64L * 1024 * 1024, Device, NullLogger<FileSpool>.Instance, TimeSpan.FromMinutes(1));
        await spool.EnqueueTrackBatchAsync(SampleMessages.Tracks(Camera, 0, 1), CancellationToken.None);
        spool.Acknowledge(spool.PendingAfter(-1, 1).Single());
        Assert.Equal(0, spool.Health.Items);

        Assert.Equal(1, spool.RequeueAcknowledged());
        Assert.Single(spool.PendingAfter(-1, 100));
    }

    [Fact]
    public async Task InvalidItemsAreRefused()
    {
        var spool = Open();
        var other = new DeviceId("b1", "s1", "someone-else").Camera("cam1");
        await Assert.ThrowsAsync<ArgumentException>(async () => await spool.EnqueueTrackBatchAsync(SampleMessages.Tracks(other, 0, 1), CancellationToken.None));
        var (manifest, blob) = SampleMessages.Clip(Camera, 1000);
        blob[0] ^= 0xff;
        await Assert.ThrowsAsync<ArgumentException>(async () => await spool.EnqueueClipAsync(manifest, blob, CancellationToken.None));
        Assert.Equal(0, spool.Health.Items);
    }
}
