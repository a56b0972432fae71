using System.Globalization;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Edge.Device;

/// <summary>What the agent did, for the status message and the summary printed at exit.</summary>
public sealed class EdgeCounters
{
    private long _framesAnalysed;
    private long _tracksRecorded;
    private long _trackBatches;
    private long _uncertain;
    private long _certain;
    private long _cleared;
    private long _suppressed;
    private long _clipsWritten;
    private long _clipBytes;
    private long _clipsFailed;
    private long _clipsCapped;

    public long FramesAnalysed => Interlocked.Read(ref _framesAnalysed);
    public long TracksRecorded => Interlocked.Read(ref _tracksRecorded);
    public long TrackBatches => Interlocked.Read(ref _trackBatches);
    public long Uncertain => Interlocked.Read(ref _uncertain);
    public long Certain => Interlocked.Read(ref _certain);
    public long Cleared => Interlocked.Read(ref _cleared);
    public long Suppressed => Interlocked.Read(ref _suppressed);
    public long ClipsWritten => Interlocked.Read(ref _clipsWritten);
    public long ClipBytes => Interlocked.Read(ref _clipBytes);
    public long ClipsFailed => Interlocked.Read(ref _clipsFailed);
    public long ClipsCapped => Interlocked.Read(ref _clipsCapped);

    public void FrameAnalysed() => Interlocked.Increment(ref _framesAnalysed);

    public void TrackBatchWritten(int records)
    {
        Interlocked.Increment(ref _trackBatches);
        Interlocked.Add(ref _tracksRecorded, records);
    }

    public void Decision(GateDecision decision)
    {
        switch (decision)
        {
            case GateDecision.Uncertain: Interlocked.Increment(ref _uncertain); break;
            case GateDecision.Certain: Interlocked.Increment(ref _certain); break;
            case GateDecision.Cleared: Interlocked.Increment(ref _cleared); break;
        }
    }

    public void DecisionSuppressed() => Interlocked.Increment(ref _suppressed);

    public void ClipCapped() => Interlocked.Increment(ref _clipsCapped);

    public void ClipWritten(long bytes)
    {
        Interlocked.Increment(ref _clipsWritten);
        Interlocked.Add(ref _clipBytes, bytes);
    }

    public void ClipFailed() => Interlocked.Increment(ref _clipsFailed);

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"edge summary: frames_analysed={FramesAnalysed} tracks={TracksRecorded} track_batches={TrackBatches} uncertain={Uncertain} certain={Certain} cleared={Cleared} suppressed={Suppressed} clips={ClipsWritten} clip_bytes={ClipBytes} clips_capped={ClipsCapped} clips_failed={ClipsFailed}");
}
