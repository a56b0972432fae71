using System.Runtime.CompilerServices;
using System.Threading.Channels;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Console.Alerts;

/// <summary>
/// The live alert feed of a single host: every subscriber gets its own bounded channel that drops the oldest change
/// when the reader falls behind. Used when the host registers no other <see cref="IAlertFeed"/> (e.g. one backed by
/// PostgreSQL LISTEN/NOTIFY that spans silos).
/// </summary>
public sealed class InProcessAlertFeed : IAlertFeed
{
    private const int SubscriberCapacity = 256;
    private readonly Lock gate = new();
    private volatile ImmutableSubscribers subscribers = new([]);

    public void Publish(Alert alert)
    {
        foreach (var channel in subscribers.Channels) channel.Writer.TryWrite(alert);
    }

    public async IAsyncEnumerable<Alert> SubscribeAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateBounded<Alert>(new BoundedChannelOptions(SubscriberCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (gate) subscribers = new([.. subscribers.Channels, channel]);
        try
        {
            while (await channel.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var alert)) yield return alert;
            }
        }
        finally
        {
            lock (gate) subscribers = new([.. subscribers.Channels.Where(c => c != channel)]);
        }
    }

    /// <summary>Replaced as a whole on (un)subscribe, so that publishing reads a consistent list without locking.</summary>
    private sealed record ImmutableSubscribers(Channel<Alert>[] Channels);
}
