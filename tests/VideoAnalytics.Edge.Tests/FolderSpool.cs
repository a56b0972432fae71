using System.Collections.Concurrent;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Edge.Spool;

namespace VideoAnalytics.Edge.Tests;

/// <summary>A test spool: writes what it receives into a folder and keeps it in memory for assertions.</summary>
internal sealed class FolderSpool(string directory) : ISpool
{
    public ConcurrentQueue<(ClipManifest Manifest, byte[] Blob)> Clips { get; } = new();
    public ConcurrentQueue<TrackBatch> TrackBatches { get; } = new();
    public ConcurrentQueue<GateEvent> GateEvents { get; } = new();

    /// <summary>Nothing waits to be sent: what arrives counts as delivered.</summary>
    public SpoolHealth Health => new(Directory.EnumerateFiles(directory).Sum(f => new FileInfo(f).Length), 0, 0, 0);

    public async ValueTask EnqueueClipAsync(ClipManifest manifest, ReadOnlyMemory<byte> blob, CancellationToken ct)
    {
        await File.WriteAllBytesAsync(Path.Combine(directory, manifest.ClipId + ".json"), ContractJson.Serialize(manifest), ct);
        await File.WriteAllBytesAsync(Path.Combine(directory, manifest.ClipId + ".blob"), blob.ToArray(), ct);
        Clips.Enqueue((manifest, blob.ToArray()));
    }

    public async ValueTask EnqueueTrackBatchAsync(TrackBatch batch, CancellationToken ct)
    {
        await File.WriteAllBytesAsync(Path.Combine(directory, $"tracks-{batch.Camera}-{batch.Sequence}.json"), ContractJson.Serialize(batch), ct);
        TrackBatches.Enqueue(batch);
    }

    public async ValueTask EnqueueGateEventAsync(GateEvent gateEvent, CancellationToken ct)
    {
        await File.WriteAllBytesAsync(Path.Combine(directory, $"event-{gateEvent.EventId}.json"), ContractJson.Serialize(gateEvent), ct);
        GateEvents.Enqueue(gateEvent);
    }
}
