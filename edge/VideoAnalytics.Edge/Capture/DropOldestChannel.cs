using System.Threading.Channels;

namespace VideoAnalytics.Edge.Capture;

/// <summary>
/// A bounded channel that, when full, drops its oldest item so the reader always gets the freshest data instead of
/// falling behind a live camera. Dropped items are counted and handed to <c>onDropped</c> (frames go back to their pool).
/// </summary>
public sealed class DropOldestChannel<T>
{
    private readonly Channel<T> _channel;
    private long _dropped;

    public DropOldestChannel(int capacity, Action<T>? onDropped = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
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

    public void Complete(Exception? error = null) => _channel.Writer.TryComplete(error);
}
