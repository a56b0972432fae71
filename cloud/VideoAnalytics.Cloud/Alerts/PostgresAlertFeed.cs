using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Alerts;

/// <summary>
/// The live alert feed over PostgreSQL LISTEN/NOTIFY: every alert change, committed by any silo, reaches the
/// subscribers of every silo host (the consoles). The notification carries the alert id; the alert is read back once
/// per host. The listening connection reconnects with backoff; each subscriber has a bounded queue that drops its oldest.
/// </summary>
public sealed class PostgresAlertFeed(NpgsqlDataSource dataSource, AlertStore store, ILogger<PostgresAlertFeed> logger)
    : BackgroundService, IAlertFeed
{
    private const int SubscriberCapacity = 256;

    private readonly ConcurrentDictionary<Guid, Channel<Alert>> subscribers = new();
    private readonly Channel<string> notified = Channel.CreateBounded<string>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly Channel<string> toNotify = Channel.CreateBounded<string>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first LISTEN is in place (tests and start-up wait for it).</summary>
    public Task Listening => listening.Task;

    /// <summary>Announces an already stored alert to every silo's feed.</summary>
    public void Publish(Alert alert) => toNotify.Writer.TryWrite(alert.AlertId);

    public async IAsyncEnumerable<Alert> SubscribeAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var id = Guid.NewGuid();
        var channel = Channel.CreateBounded<Alert>(new BoundedChannelOptions(SubscriberCapacity) { FullMode = BoundedChannelFullMode.DropOldest });
        subscribers[id] = channel;
        try
        {
            await foreach (var alert in channel.Reader.ReadAllAsync(ct)) yield return alert;
        }
        finally
        {
            subscribers.TryRemove(id, out _);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenLoopAsync(stoppingToken), DeliverLoopAsync(stoppingToken), NotifyLoopAsync(stoppingToken));

    private async Task ListenLoopAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var conn = await dataSource.OpenConnectionAsync(ct);
                conn.Notification += (_, e) => notified.Writer.TryWrite(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {AlertStore.NotifyChannel}", conn))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }
                listening.TrySetResult();
                delay = TimeSpan.FromMilliseconds(200);
                while (!ct.IsCancellationRequested) await conn.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or IOException or TimeoutException)
            {
                logger.LogWarning("Alert feed lost its database connection ({Error}); listening again in {Delay}", e.Message, delay);
                await Task.Delay(delay, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    private async Task DeliverLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var alertId in notified.Reader.ReadAllAsync(ct))
            {
                try
                {
                    if (subscribers.IsEmpty) continue;
                    var alert = await store.GetAsync(alertId, ct);
                    if (alert is null) continue;
                    foreach (var s in subscribers.Values) s.Writer.TryWrite(alert);
                }
                catch (NpgsqlException e)
                {
                    logger.LogWarning("Alert feed could not read alert {AlertId}: {Error}", alertId, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task NotifyLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var alertId in toNotify.Reader.ReadAllAsync(ct))
            {
                try
                {
                    await using var cmd = dataSource.CreateCommand("SELECT pg_notify(@ch, @id)");
                    cmd.Parameters.AddWithValue("ch", AlertStore.NotifyChannel);
                    cmd.Parameters.AddWithValue("id", alertId);
                    await cmd.ExecuteNonQueryAsync(ct);
                }
                catch (NpgsqlException e)
                {
                    logger.LogWarning("Alert feed could not announce alert {AlertId}: {Error}", alertId, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
