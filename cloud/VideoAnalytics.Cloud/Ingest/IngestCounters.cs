using System.Collections.Concurrent;

namespace VideoAnalytics.Cloud.Ingest;

/// <summary>
/// What ingest has accepted and rejected since start, for the console and status pages. Rejections are kept per
/// device and reason, with the last example of each.
/// </summary>
public sealed class IngestCounters
{
    private readonly ConcurrentDictionary<(string Device, string Reason), Rejection> _rejections = new();
    private long _accepted;
    private long _trackRecords;
    private long _clipBytes;
    private long _clipsCompleted;
    private long _clipsIncomplete;
    private long _clipsDispatched;
    private long _inboxDispatched;

    public long Accepted => Interlocked.Read(ref _accepted);
    public long TrackRecords => Interlocked.Read(ref _trackRecords);
    public long ClipBytes => Interlocked.Read(ref _clipBytes);
    public long ClipsCompleted => Interlocked.Read(ref _clipsCompleted);
    public long ClipsIncomplete => Interlocked.Read(ref _clipsIncomplete);
    public long ClipsDispatched => Interlocked.Read(ref _clipsDispatched);
    public long InboxDispatched => Interlocked.Read(ref _inboxDispatched);
    public long Rejected => _rejections.Values.Sum(r => r.Count);

    /// <summary>Rejections per device (<c>branch/site/device</c>, or <c>unknown</c>) and reason.</summary>
    public IReadOnlyList<RejectionCount> Rejections() =>
        _rejections.Select(kv => new RejectionCount(kv.Key.Device, kv.Key.Reason, kv.Value.Count, kv.Value.LastDetail))
            .OrderBy(r => r.Device, StringComparer.Ordinal).ThenBy(r => r.Reason, StringComparer.Ordinal).ToList();

    internal void CountAccepted(int messages, long trackRecords, long clipBytes)
    {
        Interlocked.Add(ref _accepted, messages);
        Interlocked.Add(ref _trackRecords, trackRecords);
        Interlocked.Add(ref _clipBytes, clipBytes);
    }

    internal void CountRejected(string device, string reason, string detail)
    {
        var r = _rejections.GetOrAdd((device, reason), _ => new Rejection());
        Interlocked.Increment(ref r.Count);
        r.LastDetail = detail;
    }

    internal void CountClipCompleted() => Interlocked.Increment(ref _clipsCompleted);
    internal void CountClipIncomplete() => Interlocked.Increment(ref _clipsIncomplete);
    internal void CountClipDispatched() => Interlocked.Increment(ref _clipsDispatched);
    internal void CountInboxDispatched(int n) => Interlocked.Add(ref _inboxDispatched, n);

    private sealed class Rejection
    {
        public long Count;
        public volatile string LastDetail = "";
    }
}

public sealed record RejectionCount(string Device, string Reason, long Count, string LastDetail);

/// <summary>Why a message was rejected: a short, stable key for counters.</summary>
public static class RejectReasons
{
    public const string Topic = "topic";
    public const string Size = "size";
    public const string Malformed = "malformed";
    public const string Schema = "schema";
    public const string Invalid = "invalid";
    public const string IdsMismatch = "ids-mismatch";
    public const string ChunkHeader = "chunk-header";
    public const string ChunkHash = "chunk-hash";
    /// <summary>A manifest or chunk whose clip id belongs to another device or camera.</summary>
    public const string ClipOwner = "clip-owner";
    public const string Storage = "storage";
}
