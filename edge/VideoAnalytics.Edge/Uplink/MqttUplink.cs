using System.Buffers;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Contracts.Transport;
using VideoAnalytics.Edge.Spool;

namespace VideoAnalytics.Edge.Uplink;

/// <summary>
/// The device's MQTT connection (MQTTnet 5 has no managed client, so this owns the loop): connect with a persistent
/// session and a Last Will, resubscribe to <c>models/desired</c>, announce a retained <c>online</c> status, then drain
/// the spool with QoS 1 until the connection drops; reconnect with capped, jittered backoff. A spooled item is removed
/// only after the broker acknowledged every one of its messages; anything unacknowledged is sent again.
/// </summary>
public sealed class MqttUplink(
    IOptions<MqttUplinkOptions> options,
    FileSpool spool,
    IDeviceHealthSource health,
    IEnumerable<IDesiredModelsHandler> desiredHandlers,
    ILogger<MqttUplink> logger) : BackgroundService, IDeviceUplink
{
    private static readonly string AgentVersion =
        typeof(MqttUplink).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    private readonly MqttUplinkOptions _o = options.Value;
    private readonly DeviceId _device = options.Value.Device;
    private readonly BrokerTrust? _trust = options.Value is { UseTls: true, CaFile.Length: > 0 } o ? new BrokerTrust(o.CaFile) : null;
    private readonly IDesiredModelsHandler[] _desiredHandlers = desiredHandlers.ToArray();
    private volatile IMqttClient? _connected;
    private volatile ReportedModelState? _reported;

    public bool IsConnected => _connected?.IsConnected ?? false;

    public DeviceId Device => _device;

    public async Task PublishModelsReportedAsync(ReportedModelState reported, CancellationToken ct)
    {
        _reported = reported;
        if (_connected is { IsConnected: true } client)
            await client.PublishAsync(UplinkMessages.Json(MqttTopics.ModelsReported(_device), reported, retain: true), ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.DisconnectedAsync += _ => { lost.TrySetResult(); return Task.CompletedTask; };
            client.ApplicationMessageReceivedAsync += OnMessageAsync;
            try
            {
                var result = await client.ConnectAsync(BuildClientOptions(), stoppingToken);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                    throw new InvalidOperationException($"the broker refused the connection: {result.ResultCode} {result.ReasonString}");
                logger.LogInformation("Uplink connected to {Host}:{Port} as {ClientId} (session present: {SessionPresent})",
                    _o.Host, _o.Port, _o.EffectiveClientId, result.IsSessionPresent);
                attempt = 0;
                // A broker that crashed may have lost messages it acknowledged but had not delivered: send recent ones again.
                var requeued = spool.RequeueAcknowledged();
                if (requeued > 0) logger.LogInformation("Uplink: resending {Count} recently acknowledged items after reconnecting", requeued);
                await RunSessionAsync(client, lost.Task, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                await GoOfflineAsync(client);
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning("Uplink connection to {Host}:{Port} failed: {Error}", _o.Host, _o.Port, e.Message);
            }
            finally
            {
                _connected = null;
            }
            var delay = Backoff.Delay(attempt++, TimeSpan.FromMilliseconds(_o.ReconnectMinMilliseconds), TimeSpan.FromMilliseconds(_o.ReconnectMaxMilliseconds));
            try
            {
                await Task.Delay(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task RunSessionAsync(IMqttClient client, Task lost, CancellationToken stoppingToken)
    {
        // Subscriptions are resent on every connect: a broker that lost its state (restart without persistence) has none.
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(MqttTopics.ModelsDesired(_device), MqttQualityOfServiceLevel.AtLeastOnce).Build(), stoppingToken);
        await client.PublishAsync(UplinkMessages.Json(MqttTopics.Status(_device), Status(DeviceState.Online), retain: true), stoppingToken);
        if (_reported is { } reported)
            await client.PublishAsync(UplinkMessages.Json(MqttTopics.ModelsReported(_device), reported, retain: true), stoppingToken);
        _connected = client;

        using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var send = SendLoopAsync(client, session.Token);
        var status = StatusLoopAsync(client, session.Token);
        var first = await Task.WhenAny(lost, send, status);
        await session.CancelAsync();
        try
        {
            await Task.WhenAll(send, status);
        }
        catch (OperationCanceledException)
        {
            // The session ended; unacknowledged items stay in the spool for the next one.
        }
        stoppingToken.ThrowIfCancellationRequested();
        if (first != lost) await first; // surfaces the error that ended the session
        logger.LogWarning("Uplink lost its connection to {Host}:{Port}", _o.Host, _o.Port);
    }

    private async Task SendLoopAsync(IMqttClient client, CancellationToken ct)
    {
        using var window = new SemaphoreSlim(_o.MaxInflight, _o.MaxInflight);
        var inflight = new List<Task>();
        var failure = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task? itemsAdded = null;
        long cursor = -1;
        var retries = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (failure.Task.IsCompleted)
            {
                await Task.WhenAll(inflight).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                inflight.Clear();
                var error = await failure.Task;
                var delay = Backoff.Delay(retries++, TimeSpan.FromMilliseconds(_o.ReconnectMinMilliseconds), TimeSpan.FromMilliseconds(_o.ReconnectMaxMilliseconds));
                logger.LogWarning("Uplink: a publish was not accepted ({Error}); resending unacknowledged items in {Delay} ms", error.Message, (int)delay.TotalMilliseconds);
                await Task.Delay(delay, ct);
                failure = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
                cursor = -1;
                continue;
            }
            inflight.RemoveAll(t => t.IsCompleted);
            var batch = spool.PendingAfter(cursor, 64);
            if (batch.Count == 0)
            {
                itemsAdded ??= spool.WaitForItemsAsync(ct);
                await Task.WhenAny(itemsAdded, failure.Task);
                if (itemsAdded.IsCompleted) { await itemsAdded; itemsAdded = null; }
                continue;
            }
            foreach (var entry in batch)
            {
                if (failure.Task.IsCompleted) break;
                cursor = entry.Sequence;
                if (await spool.ReadAsync(entry, ct) is not { } item) continue;
                var messages = UplinkMessages.ForItem(item);
                var publishes = new Task[messages.Count];
                for (var i = 0; i < messages.Count; i++)
                {
                    await window.WaitAsync(ct);
                    publishes[i] = PublishAsync(client, messages[i], window, ct);
                }
                inflight.Add(RemoveWhenAcknowledgedAsync(entry, publishes, failure));
            }
            if (!failure.Task.IsCompleted) retries = 0;
        }
    }

    private static async Task PublishAsync(IMqttClient client, MqttApplicationMessage message, SemaphoreSlim window, CancellationToken ct)
    {
        try
        {
            var result = await client.PublishAsync(message, ct);
            // NoMatchingSubscribers means nobody (not even the cloud's persistent session) will get it: send it again later.
            if (result.ReasonCode != MqttClientPublishReasonCode.Success)
                throw new UplinkRejectedException($"broker answered {result.ReasonCode} {result.ReasonString} for {message.Topic}");
        }
        finally
        {
            window.Release();
        }
    }

    private async Task RemoveWhenAcknowledgedAsync(SpoolEntry entry, Task[] publishes, TaskCompletionSource<Exception> failure)
    {
        try
        {
            await Task.WhenAll(publishes);
            spool.Acknowledge(entry);
        }
        catch (Exception e)
        {
            failure.TrySetResult(e);
        }
    }

    private async Task StatusLoopAsync(IMqttClient client, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_o.StatusIntervalSeconds));
        while (await timer.WaitForNextTickAsync(ct))
        {
            await client.PublishAsync(UplinkMessages.Json(MqttTopics.Status(_device), Status(DeviceState.Online), retain: true), ct);
        }
    }

    private async Task GoOfflineAsync(IMqttClient client)
    {
        if (!client.IsConnected) return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.PublishAsync(UplinkMessages.Json(MqttTopics.Status(_device), Status(DeviceState.Offline), retain: true), timeout.Token);
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            logger.LogInformation("Uplink: could not say goodbye ({Error}); the Last Will reports offline", e.Message);
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        if (topic != MqttTopics.ModelsDesired(_device))
        {
            logger.LogWarning("Uplink: ignoring a message on unexpected topic {Topic}", topic);
            return;
        }
        var payload = e.ApplicationMessage.Payload.ToArray();
        if (!ContractJson.TryRead<DesiredModelState>(payload, DateTimeOffset.UtcNow, out var desired, out var error)
            || new DeviceId(desired.Branch, desired.Site, desired.Device) != _device)
        {
            logger.LogWarning("Uplink: rejected desired models on {Topic}: {Error}", topic, error is { Length: > 0 } ? error : "ids do not match this device");
            return;
        }
        foreach (var handler in _desiredHandlers)
        {
            try
            {
                await handler.OnDesiredModelsAsync(desired, CancellationToken.None);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Desired-models handler {Handler} failed", handler.GetType().Name);
            }
        }
    }

    private DeviceStatus Status(DeviceState state) => new()
    {
        Branch = _device.Branch,
        Site = _device.Site,
        Device = _device.Device,
        TimeUtc = DateTimeOffset.UtcNow,
        State = state,
        AgentVersion = AgentVersion.Length > 64 ? AgentVersion[..64] : AgentVersion,
        Cameras = health.Cameras,
        Spool = spool.Health,
        ModelVersions = health.ModelVersions,
    };

    private MqttClientOptions BuildClientOptions()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_o.Host, _o.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(_o.EffectiveClientId)
            .WithCredentials(_o.Username, _o.Password)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_o.SessionExpirySeconds)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_o.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(15))
            .WithWillTopic(MqttTopics.Status(_device))
            .WithWillPayload(ContractJson.Serialize(Status(DeviceState.Offline)))
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (_o.UseTls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls(true).WithTargetHost(_o.Host);
                if (_trust is { } trust) tls.WithCertificateValidationHandler(a => trust.IsTrusted(a.Certificate, a.SslPolicyErrors));
                if (_o.ClientCertificateFile is { Length: > 0 } cert)
                    tls.WithClientCertificates([X509Certificate2.CreateFromPemFile(cert, _o.ClientKeyFile)]);
            });
        }
        return builder.Build();
    }
}

/// <summary>The broker acknowledged a publish with a failure reason code; the item stays spooled.</summary>
public sealed class UplinkRejectedException(string message) : Exception(message);
