using System.Threading.Channels;

namespace VideoAnalytics.Edge.Capture;

/// <summary>
/// A bounded channel that, when full, drops its oldest item so the reader always gets the freshest data instead of
/// falling behind a live camera. Dropped items are counted and handed to <c>onDropped</c> (frames go back to their pool).
/// </summary>
public sealed class DropOldestChannel<T>
{
    private readonly Channel<T> _channel;
    private readonly int _capacity;
    private long _dropped;

    public DropOldestChannel(int capacity, Action<T>? onDropped = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _channel = Channel.CreateBounded<T>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            item =>
            {
                Interlocked.Increment(ref _dropped);
                onDropped?.Invoke(item);
            });
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public ChannelReader<T> Reader => _channel.Reader;

    /// <summary>Never blocks: a full channel makes room by dropping its oldest item.</summary>
    public void Write(T item)
    {
        if (!_channel.Writer.TryWrite(item)) throw new InvalidOperationException("channel is completed");
    }

    /// <summary>
    /// For replaying files faster than real time, where every frame should be analysed: blocks the (dedicated) capture
    /// thread until the reader has made room. False when <paramref name="ct"/> fired first.
    /// </summary>
    public bool WaitForRoom(CancellationToken ct)
    {
        // Polling keeps the drop-oldest channel as it is; a 2 ms nap is nothing next to a frame's decode and analysis.
        while (_channel.Reader.Count >= _capacity)
            if (ct.WaitHandle.WaitOne(2)) return false;
        return true;
    }

    public void Complete(Exception? error = null) => _channel.Writer.TryComplete(error);
}
