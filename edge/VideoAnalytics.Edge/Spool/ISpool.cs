using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Edge.Spool;

/// <summary>
/// The durable queue between the edge pipeline and the uplink. What is enqueued is on disk (written, fsynced,
/// renamed) before the call returns, and leaves only when the broker acknowledged all of it.
/// </summary>
public interface ISpool
{
    /// <summary>A clip: its manifest and the blob its <see cref="ClipManifest.Files"/> describe.</summary>
    ValueTask EnqueueClipAsync(ClipManifest manifest, ReadOnlyMemory<byte> blob, CancellationToken ct);

    ValueTask EnqueueTrackBatchAsync(TrackBatch batch, CancellationToken ct);

    ValueTask EnqueueGateEventAsync(GateEvent gateEvent, CancellationToken ct);

    SpoolHealth Health { get; }
}
