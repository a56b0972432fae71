namespace VideoAnalytics.Edge.Spool;

public enum SpoolItemKind
{
    TrackBatch,
    GateEvent,
    Clip,
}

/// <summary>One spooled item as the index knows it: its order, what it is and how big its file is.</summary>
public sealed record SpoolEntry(long Sequence, SpoolItemKind Kind, string Camera, long Bytes, string Path);

/// <summary>
/// The content of one spooled item: the topic, the JSON payload (track batch, gate event or clip manifest) and, for a
/// clip, the blob.
/// </summary>
public sealed record SpoolPayload(SpoolEntry Entry, string Topic, ReadOnlyMemory<byte> Json, ReadOnlyMemory<byte> Blob);
