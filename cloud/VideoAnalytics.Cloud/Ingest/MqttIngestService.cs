using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using Npgsql;
using VideoAnalytics.Cloud.Messaging;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Contracts.Transport;

namespace VideoAnalytics.Cloud.Ingest;

/// <summary>
/// The MQTT side of ingest. Joins the cloud's shared subscriptions with a persistent session, validates every
/// message in the receive callback, and passes it through a bounded channel to writers that commit batches to the
/// Postgres inbox. A message is acknowledged (manual PUBACK) only after the batch holding it committed, so a silo that
/// dies before committing gets it again from the broker. Rejected messages are counted, summarised in the log once per
/// interval, and acknowledged (they will never become valid).
/// </summary>
internal sealed class MqttIngestService(
    IOptions<CloudMqttOptions> mqttOptions,
    IOptions<IngestOptions> ingestOptions,
    IngestSchema schema,
    InboxWriter writer,
    IngestCounters counters,
    IngestSignal signal,
    ILogger<MqttIngestService> logger) : BackgroundService
{
    private readonly CloudMqttOptions _mqtt = mqttOptions.Value;
    private readonly IngestOptions _o = ingestOptions.Value;
    private readonly Channel<Received> _channel = Channel.CreateBounded<Received>(
        new BoundedChannelOptions(ingestOptions.Value.ChannelCapacity) { SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.EnsureAsync(stoppingToken);
        var writers = Enumerable.Range(0, _o.Writers).Select(_ => WriteLoopAsync()).ToArray();
        var rejectionLog = LogRejectionsAsync(stoppingToken);
        try
        {
            await ConnectionLoopAsync(stoppingToken);
        }
        finally
        {
            // Whatever was received is still committed; its acks fail harmlessly and the broker redelivers (idempotent).
            _channel.Writer.TryComplete();
            await Task.WhenAll(writers);
            await rejectionLog.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    private async Task ConnectionLoopAsync(CancellationToken ct)
    {
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.DisconnectedAsync += _ => { lost.TrySetResult(); return Task.CompletedTask; };
            client.ApplicationMessageReceivedAsync += e => OnMessageAsync(e, ct);
            try
            {
                var result = await client.ConnectAsync(BuildClientOptions(), ct);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                    throw new InvalidOperationException($"the broker refused the connection: {result.ResultCode} {result.ReasonString}");
                attempt = 0;
                var subscribe = new MqttClientSubscribeOptionsBuilder();
                foreach (var filter in _mqtt.Subscriptions) subscribe.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce);
                // Always resubscribe: a broker restarted without its state has forgotten the session.
                await client.SubscribeAsync(subscribe.Build(), ct);
                logger.LogInformation("Ingest connected to {Host}:{Port} as {ClientId} (session present: {SessionPresent})",
                    _mqtt.Host, _mqtt.Port, _mqtt.ClientId, result.IsSessionPresent);
                await lost.Task.WaitAsync(ct);
                logger.LogWarning("Ingest lost its connection to {Host}:{Port}", _mqtt.Host, _mqtt.Port);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                if (client.IsConnected)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token)
                        .ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                }
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning("Ingest connection to {Host}:{Port} failed: {Error}", _mqtt.Host, _mqtt.Port, e.Message);
            }
            var delay = Backoff.Delay(attempt++, TimeSpan.FromMilliseconds(_mqtt.ReconnectMinMilliseconds), TimeSpan.FromMilliseconds(_mqtt.ReconnectMaxMilliseconds));
            await Task.Delay(delay, ct).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e, CancellationToken ct)
    {
        e.AutoAcknowledge = false;
        Received received;
        try
        {
            var message = e.ApplicationMessage;
            var payload = message.Payload;
            var properties = (message.UserProperties ?? []).Select(p => new KeyValuePair<string, string>(p.Name, p.ReadValueAsString()));
            var ok = payload.Length > Contracts.Messages.Limits.MaxJsonPayloadBytes + 4096
                ? Reject(out var item, out var rejection, message.Topic, payload.Length)
                : IngestValidator.TryValidate(message.Topic, payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray(), properties,
                    DateTimeOffset.UtcNow, out item, out rejection);
            received = ok ? new Received(e, item, null) : new Received(e, null, rejection);
        }
        catch (Exception ex)
        {
            received = new Received(e, null, new IngestRejection("unknown", RejectReasons.Malformed, $"unreadable message: {ex.GetType().Name}"));
        }
        try
        {
            await _channel.Writer.WriteAsync(received, ct);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // Shutting down: not acknowledged, so the broker sends it again to whichever silo is up.
        }
    }

    private static bool Reject(out IngestItem item, out IngestRejection rejection, string topic, long length)
    {
        item = null!;
        var device = MqttTopics.TryParse(topic, out var t, out _) && t.Device is not null ? $"{t.Branch}/{t.Site}/{t.Device}" : "unknown";
        rejection = new IngestRejection(device, RejectReasons.Size, $"payload of {length} bytes is over every limit of the contract");
        return false;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Received>(_o.BatchMaxMessages);
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            long bytes = 0;
            while (batch.Count < _o.BatchMaxMessages && bytes < _o.BatchMaxBytes && reader.TryRead(out var r))
            {
                batch.Add(r);
                bytes += r.Item?.Bytes ?? 0;
            }
            if (batch.Count == 0) continue;
            await CommitAsync(batch);
            foreach (var r in batch)
            {
                try
                {
                    await r.Args.AcknowledgeAsync(CancellationToken.None);
                }
                catch (Exception e)
                {
                    // The connection is gone; the broker redelivers and the inbox ignores the copy.
                    logger.LogDebug("Ack failed: {Error}", e.Message);
                }
            }
        }
    }

    /// <summary>Commits the valid items of a batch; returns only once they are durable (or rejected as unstorable).</summary>
    private async Task CommitAsync(List<Received> batch)
    {
        foreach (var r in batch)
        {
            if (r.Rejection is { } rej) counters.CountRejected(rej.Device, rej.Reason, rej.Detail);
        }
        var items = batch.Where(r => r.Item is not null).Select(r => r.Item!).ToList();
        if (items.Count == 0) return;
        var attempt = 0;
        while (true)
        {
            try
            {
                var refused = await writer.WriteAsync(items, CancellationToken.None);
                foreach (var rej in refused.Values) counters.CountRejected(rej.Device, rej.Reason, rej.Detail);
                CountAccepted(refused.Count == 0 ? items : [.. items.Where(i => !refused.ContainsKey(i))]);
                signal.Set();
                return;
            }
            catch (PostgresException e) when (IsBadData(e) && items.Count > 1)
            {
                // One bad item (e.g. text Postgres cannot store) must not block the rest: write them one by one.
                logger.LogWarning("Inbox batch of {Count} failed ({Error}); writing items one by one", items.Count, e.MessageText);
                await CommitOneByOneAsync(items);
                return;
            }
            catch (PostgresException e) when (IsBadData(e))
            {
                counters.CountRejected(items[0].Device, RejectReasons.Storage, e.MessageText);
                return;
            }
            catch (Exception e)
            {
                // Database down, deadlocked or misconfigured: keep the batch (unacknowledged) and try again.
                var delay = Backoff.Delay(attempt++, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));
                logger.LogWarning("Inbox commit failed ({Error}); retrying in {Delay} ms", e.Message, (int)delay.TotalMilliseconds);
                await Task.Delay(delay);
            }
        }
    }

    /// <summary>Data exceptions (class 22, e.g. text jsonb cannot hold) are the message's fault; anything else is ours.</summary>
    private static bool IsBadData(PostgresException e) => e.SqlState.StartsWith("22", StringComparison.Ordinal);

    private async Task CommitOneByOneAsync(List<IngestItem> items)
    {
        foreach (var item in items) await CommitAsync([new Received(null!, item, null)]);
    }

    private void CountAccepted(List<IngestItem> items) =>
        counters.CountAccepted(items.Count,
            items.OfType<TrackBatchItem>().Sum(i => (long)i.Batch.Records.Count),
            items.OfType<ClipChunkItem>().Sum(i => (long)i.Data.Length));

    private async Task LogRejectionsAsync(CancellationToken ct)
    {
        var logged = new Dictionary<(string, string), long>();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_o.RejectionLogIntervalSeconds));
        while (await timer.WaitForNextTickAsync(ct))
        {
            foreach (var r in counters.Rejections())
            {
                var previous = logged.GetValueOrDefault((r.Device, r.Reason));
                if (r.Count == previous) continue;
                logged[(r.Device, r.Reason)] = r.Count;
                logger.LogWarning("Ingest rejected {New} messages from {Device} ({Reason}) in the last {Interval} s, {Total} in all; e.g. {Detail}",
                    r.Count - previous, r.Device, r.Reason, _o.RejectionLogIntervalSeconds, r.Count, r.LastDetail);
            }
        }
    }

    /// <summary>A persistent session under the silo's own client id, so the broker queues for it while it restarts.</summary>
    private MqttClientOptions BuildClientOptions() =>
        _mqtt.ClientOptions(clientIdSuffix: null)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_mqtt.SessionExpirySeconds)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_mqtt.KeepAliveSeconds))
            .WithReceiveMaximum((ushort)_mqtt.ReceiveMaximum)
            .WithTimeout(TimeSpan.FromSeconds(15))
            .Build();

    private sealed record Received(MqttApplicationMessageReceivedEventArgs Args, IngestItem? Item, IngestRejection? Rejection);
}
