using System.Collections.Concurrent;
using OpenCvSharp;

namespace VideoAnalytics.Edge.Capture;

/// <summary>A decoded frame on its way through the pipeline. Its <see cref="Mat"/> belongs to a <see cref="FramePool"/>: return it when done.</summary>
public sealed class CapturedFrame : IDisposable
{
    internal CapturedFrame(FramePool pool) { Pool = pool; }

    public Mat Image { get; } = new();

    /// <summary>Position in the source (file time, or time since the stream opened).</summary>
    public TimeSpan Position { get; internal set; }

    public DateTimeOffset CapturedUtc { get; internal set; }

    public long Sequence { get; internal set; }

    internal FramePool Pool { get; }

    /// <summary>Gives the frame back to its pool; its pixel buffer is reused by the next read.</summary>
    public void Return() => Pool.Return(this);

    void IDisposable.Dispose() => Image.Dispose();
}

/// <summary>
/// Frames whose pixel buffers are reused: after warm-up a camera reads into Mats it already owns, so decoding does not
/// allocate per frame. The pool grows only to what is in flight (channel capacity plus the frames being worked on).
/// </summary>
public sealed class FramePool : IDisposable
{
    private readonly ConcurrentBag<CapturedFrame> _free = [];
    private readonly List<CapturedFrame> _all = [];
    private bool _disposed;

    public int Created { get { lock (_all) return _all.Count; } }

    public CapturedFrame Rent()
    {
        if (_free.TryTake(out var frame)) return frame;
        frame = new CapturedFrame(this);
        lock (_all) _all.Add(frame);
        return frame;
    }

    internal void Return(CapturedFrame frame)
    {
        if (!_disposed) _free.Add(frame);
    }

    public void Dispose()
    {
        _disposed = true;
        lock (_all)
        {
            foreach (var f in _all) ((IDisposable)f).Dispose();
            _all.Clear();
        }
    }
}
