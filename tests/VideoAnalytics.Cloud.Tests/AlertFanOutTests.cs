using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using Npgsql;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Cloud.Grains;
using VideoAnalytics.Cloud.Tests.Infrastructure;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests;

/// <summary>
/// An alert raised on one silo reaches the live feed of another host (LISTEN/NOTIFY), the site's MQTT alert topic and
/// the webhooks (HMAC-signed, retried after a failure); what a silo stored but never sent is sent by another.
/// </summary>
public sealed class AlertFanOutTests : IAsyncLifetime
{
    private const string Secret = "0123456789abcdef-webhook-secret";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private TestDatabase db = null!;
    private WebApplication hook = null!;
    private InProcessSilo silo = null!;
    private readonly ConcurrentQueue<(string Body, string Signature, string Timestamp, int Status)> hookCalls = new();
    private int hookRequests;
    private string hookUrl = null!;

    public async Task InitializeAsync()
    {
        db = await TestDatabase.CreateAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        hook = builder.Build();
        hook.MapPost("/hook", async (HttpContext c) =>
        {
            using var reader = new StreamReader(c.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            // The first delivery fails: the sender must retry.
            var status = Interlocked.Increment(ref hookRequests) == 1 ? 500 : 200;
            hookCalls.Enqueue((body, c.Request.Headers["X-VA-Signature"].ToString(), c.Request.Headers["X-VA-Timestamp"].ToString(), status));
            c.Response.StatusCode = status;
        });
        await hook.StartAsync();
        hookUrl = hook.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";

        silo = await InProcessSilo.StartAsync(db.ConnectionString, new Dictionary<string, string?>
        {
            ["Cloud:Mqtt:Host"] = TestEnvironment.MqttHost,
            ["Cloud:Mqtt:Port"] = TestEnvironment.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cloud:Mqtt:UseTls"] = "false",
            ["Cloud:Mqtt:ClientId"] = $"va-fanout-{Guid.NewGuid():N}",
            ["Cloud:Alerts:Webhooks:0:Url"] = hookUrl,
            ["Cloud:Alerts:Webhooks:0:Secret"] = Secret,
            ["Cloud:Alerts:WebhookBackoffInitial"] = "00:00:00.100",
        });
    }

    public async Task DisposeAsync()
    {
        await silo.DisposeAsync();
        await hook.StopAsync();
        await hook.DisposeAsync();
        await db.DisposeAsync();
    }

    [Fact]
    public async Task A_new_alert_reaches_another_hosts_live_feed_the_site_topic_and_a_signed_webhook()
    {
        // Another silo host's live feed: its own LISTEN connection on the same database.
        await using var otherHostDb = NpgsqlDataSource.Create(db.ConnectionString);
        var otherFeed = new PostgresAlertFeed(otherHostDb, new AlertStore(otherHostDb), NullLogger<PostgresAlertFeed>.Instance);
        using var stop = new CancellationTokenSource(Timeout);
        await otherFeed.StartAsync(stop.Token);
        await otherFeed.Listening.WaitAsync(Timeout);
        var fromFeed = new TaskCompletionSource<Alert>(TaskCreationOptions.RunContinuationsAsynchronously);
        var feedTask = Task.Run(async () =>
        {
            await foreach (var a in otherFeed.SubscribeAsync(stop.Token)) { fromFeed.TrySetResult(a); break; }
        });

        using var mqtt = new MqttClientFactory().CreateMqttClient();
        var fromMqtt = new TaskCompletionSource<Alert>(TaskCreationOptions.RunContinuationsAsynchronously);
        mqtt.ApplicationMessageReceivedAsync += e =>
        {
            if (ContractJson.TryRead<Alert>(e.ApplicationMessage.Payload.ToArray(), DateTimeOffset.UtcNow, out var alert, out _))
                fromMqtt.TrySetResult(alert);
            return Task.CompletedTask;
        };
        await mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(TestEnvironment.MqttHost, TestEnvironment.MqttPort)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build(), stop.Token);
        await mqtt.SubscribeAsync("va/v1/b9/s9/alerts", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce, stop.Token);

        var now = DateTimeOffset.UtcNow;
        await silo.Grains.GetGrain<ISiteAlertsGrain>(ISiteAlertsGrain.KeyOf("b9", "s9")).RecordGateEventAsync(new GateEvent
        {
            EventId = "ev-fanout-0001", Branch = "b9", Site = "s9", Device = "d1", Camera = "cam1", TimeUtc = now, Rule = "fight",
            Decision = GateDecision.Certain, Score = 0.97, Low = 0.3, High = 0.8,
        });

        var feedAlert = await fromFeed.Task.WaitAsync(Timeout);
        Assert.Equal(("b9", "s9", "cam1", false), (feedAlert.Branch, feedAlert.Site, feedAlert.Camera, feedAlert.Verified));
        var mqttAlert = await fromMqtt.Task.WaitAsync(Timeout);
        Assert.Equal(feedAlert.AlertId, mqttAlert.AlertId);

        await Eventually.GetAsync(() => Task.FromResult(hookCalls.Count), n => n >= 2, Timeout, "webhook retried and delivered");
        var calls = hookCalls.ToList();
        Assert.Equal([500, 200], calls.Select(c => c.Status));
        var delivered = calls[1];
        // The receiver's check (README, Security): a fresh timestamp, and the HMAC over timestamp "." body.
        Assert.True(long.TryParse(delivered.Timestamp, out var sent), $"no X-VA-Timestamp: '{delivered.Timestamp}'");
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - sent, -300, 300);
        Assert.Equal(ReceiverSignature(delivered.Timestamp, delivered.Body, Secret), delivered.Signature);
        Assert.NotEqual(ReceiverSignature(delivered.Timestamp, delivered.Body, "another-secret-of-16+chars"), delivered.Signature);
        // The body alone, or with another time, does not verify: a captured call cannot be replayed with a new timestamp.
        Assert.NotEqual("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(delivered.Body))), delivered.Signature);
        Assert.NotEqual(ReceiverSignature((sent + 600).ToString(System.Globalization.CultureInfo.InvariantCulture), delivered.Body, Secret), delivered.Signature);
        Assert.Contains(feedAlert.AlertId, delivered.Body);

        await stop.CancelAsync();
        await otherFeed.StopAsync(CancellationToken.None);
        await feedTask.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task An_alert_stored_by_a_silo_that_died_before_sending_it_is_sent_by_another_silo()
    {
        // A silo stores an alert change (with its outbox rows) and dies before pushing it: nothing here calls
        // AlertOutbox.Committed. The running silo's outbox finds the rows and delivers them, retrying the first failure.
        await using var deadSiloDb = NpgsqlDataSource.Create(db.ConnectionString);
        var targets = new AlertOutboxTargets([AlertOutboxTargets.WebhookPrefix + hookUrl]);
        var now = DateTimeOffset.UtcNow;
        var alert = new Alert
        {
            AlertId = "20261128-000000-000-orphaned01", Branch = "b8", Site = "s8", Device = "d1", Camera = "cam2", Rule = "fight",
            TimeUtc = now, OpenedUtc = now, Severity = AlertSeverity.High, State = AlertState.New, Verified = true, Summary = "stored, never sent",
        };
        await new AlertStore(deadSiloDb, targets).SaveAsync(new AlertChange(alert, now, null, "system", "opened", null, null, null), CancellationToken.None);

        await Eventually.GetAsync(() => Task.FromResult(hookCalls.Count(c => c.Status == 200 && c.Body.Contains(alert.AlertId, StringComparison.Ordinal))),
            n => n == 1, Timeout, "the orphaned alert delivered once");
        Assert.Contains(hookCalls, c => c.Status == 500 && c.Body.Contains(alert.AlertId, StringComparison.Ordinal));
        await using var left = deadSiloDb.CreateCommand("SELECT count(*) FROM alert_outbox");
        await Eventually.GetAsync(async () => (long)(await left.ExecuteScalarAsync())!, n => n == 0, Timeout, "the outbox emptied");
    }

    /// <summary>What a webhook receiver computes: HMAC-SHA256 with the shared secret over <c>timestamp + "." + body</c>.</summary>
    private static string ReceiverSignature(string timestamp, string body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "." + body)));
}
