using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Cloud.Grains;
using VideoAnalytics.Cloud.Ingest;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Cloud.Tests.Infrastructure;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests;

/// <summary>
/// A clip is judged once however often ingest dispatches it; when the judge is down it is raised unverified, retried,
/// and the same alert is updated once it is judged.
/// </summary>
public sealed class ClipJudgedExactlyOnceTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(40);
    private TestDatabase db = null!;
    private FakeVlmServer vlm = null!;
    private InProcessSilo silo = null!;

    public async Task InitializeAsync()
    {
        db = await TestDatabase.CreateAsync();
        vlm = await FakeVlmServer.StartAsync();
        silo = await InProcessSilo.StartAsync(db.ConnectionString, new Dictionary<string, string?>
        {
            ["Cloud:Judge:Vlm:Endpoint"] = vlm.Endpoint,
            ["Cloud:Judge:Vlm:Model"] = "test-vlm",
            ["Cloud:Judge:Vlm:MaxAttempts"] = "1",
            ["Cloud:Judge:RetryInitialDelay"] = "00:00:00.300",
            ["Cloud:Judge:SweepInterval"] = "00:00:00.500",
        });
    }

    public async Task DisposeAsync()
    {
        await silo.DisposeAsync();
        await vlm.DisposeAsync();
        await db.DisposeAsync();
    }

    [Fact]
    public async Task Repeated_dispatch_judges_the_clip_once_and_records_one_alert()
    {
        var store = silo.Services.GetRequiredService<IClipStore>();
        var dispatcher = silo.Services.GetRequiredService<IClipDispatcher>();
        var manifest = await TestClips.StoreAsync(store, TestClips.FightVideo, "b1", "s1", "d1", "cam1");

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => dispatcher.DispatchClipAsync(manifest, CancellationToken.None)));
        var clip = silo.Grains.GetGrain<IClipGrain>(IClipGrain.KeyOf(manifest.ClipId));
        var view = await Eventually.GetAsync(clip.GetAsync, v => v.Status == "judged", Timeout, "clip judged");
        await dispatcher.DispatchClipAsync(manifest, CancellationToken.None);
        await clip.ResumeAsync();
        await Task.Delay(500);

        Assert.Equal(1, vlm.Count);
        Assert.Equal(Verdict.Fight, view.Judgment!.Verdict);
        Assert.StartsWith("vlm:test-vlm", view.Judgment.Backend);
        Assert.Equal("judged", (await clip.GetAsync()).Status);
        var alerts = silo.Services.GetRequiredService<IAlertService>();
        var alert = Assert.Single(await alerts.ListAsync("b1", "s1", 10, CancellationToken.None));
        Assert.True(alert.Verified);
        Assert.Equal([manifest.ClipId], alert.ClipIds);
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM alert_evidence WHERE clip_id = '{manifest.ClipId}'"));
        Assert.Equal("fight", await ScalarAsync($"SELECT label FROM labels WHERE clip_id = '{manifest.ClipId}' AND source = 'judge'"));
    }

    [Fact]
    public async Task A_judge_that_is_down_raises_an_unverified_alert_that_is_verified_when_judged_later()
    {
        var judgeUp = false;
        vlm.Respond = (_, _) => Volatile.Read(ref judgeUp)
            ? VlmReply.Verdict("fight", 0.95, "a man kicks another on the floor")
            : new VlmReply(503, """{"error":"model is loading"}""");
        var store = silo.Services.GetRequiredService<IClipStore>();
        var manifest = await TestClips.StoreAsync(store, TestClips.FightVideo, "b2", "s2", "d1", "cam1");
        await silo.Services.GetRequiredService<IClipDispatcher>().DispatchClipAsync(manifest, CancellationToken.None);

        var alerts = silo.Services.GetRequiredService<IAlertService>();
        var unverified = await Eventually.GetAsync(() => alerts.ListAsync("b2", "s2", 10, CancellationToken.None),
            l => l.Count == 1, Timeout, "unverified alert raised");
        Assert.False(unverified[0].Verified);
        Assert.Contains(manifest.ClipId, unverified[0].ClipIds);
        Assert.Equal("pending", (await silo.Grains.GetGrain<IClipGrain>(IClipGrain.KeyOf(manifest.ClipId)).GetAsync()).Status);

        Volatile.Write(ref judgeUp, true);
        var verified = await Eventually.GetAsync(() => alerts.GetAsync(unverified[0].AlertId, CancellationToken.None),
            a => a is { Verified: true }, Timeout, "alert verified after the judge came back");
        Assert.Equal(AlertState.New, verified!.State);
        Assert.Contains(verified.Reasons, r => r.Contains("kicks"));
        Assert.Single(await alerts.ListAsync("b2", "s2", 10, CancellationToken.None));
        Assert.Equal("judged", (await silo.Grains.GetGrain<IClipGrain>(IClipGrain.KeyOf(manifest.ClipId)).GetAsync()).Status);
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(db.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync();
    }
}
