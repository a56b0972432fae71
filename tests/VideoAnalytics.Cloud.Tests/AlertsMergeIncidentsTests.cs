using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Cloud.Grains;
using VideoAnalytics.Cloud.Tests.Infrastructure;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests;

/// <summary>
/// Evidence for one site/camera/rule within the merge window becomes one alert; staff actions move it through
/// new → acknowledged → confirmed | dismissed with audit rows, and decisions become training labels.
/// </summary>
public sealed class AlertsMergeIncidentsTests : IAsyncLifetime
{
    private TestDatabase db = null!;
    private InProcessSilo silo = null!;

    public async Task InitializeAsync()
    {
        db = await TestDatabase.CreateAsync();
        silo = await InProcessSilo.StartAsync(db.ConnectionString, new Dictionary<string, string?> { ["Cloud:Alerts:MergeWindow"] = "00:02:00" });
    }

    public async Task DisposeAsync()
    {
        await silo.DisposeAsync();
        await db.DisposeAsync();
    }

    [Fact]
    public async Task Judgments_and_certain_gate_events_of_one_camera_merge_into_one_incident()
    {
        var site = silo.Grains.GetGrain<ISiteAlertsGrain>(ISiteAlertsGrain.KeyOf("b1", "s1"));
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-20);
        await site.RecordJudgmentAsync(Clip("clip-0000001", "cam1", t0), Fight("clip-0000001", "cam1", 0.7));
        await site.RecordJudgmentAsync(Clip("clip-0000002", "cam1", t0.AddSeconds(40)), Fight("clip-0000002", "cam1", 0.95));
        await site.RecordGateEventAsync(Gate("ev-00000001", "cam1", t0.AddSeconds(60)));
        await site.RecordGateEventAsync(Gate("ev-00000001", "cam1", t0.AddSeconds(60))); // redelivered
        await site.RecordJudgmentAsync(Clip("clip-0000003", "cam2", t0.AddSeconds(30)), Fight("clip-0000003", "cam2", 0.9));
        await site.RecordJudgmentAsync(Clip("clip-0000004", "cam1", t0.AddMinutes(10)), Fight("clip-0000004", "cam1", 0.9));
        await site.RecordGateEventAsync(Gate("ev-00000002", "cam3", t0));
        await site.RecordJudgmentAsync(Clip("clip-0000005", "cam1", t0.AddSeconds(50)), NoFight("clip-0000005", "cam1"));

        var alerts = (await silo.Services.GetRequiredService<IAlertService>().ListAsync("b1", "s1", 50, CancellationToken.None))
            .OrderBy(a => a.Camera).ThenBy(a => a.OpenedUtc).ToList();
        Assert.Equal(4, alerts.Count);
        var incident = alerts[0];
        Assert.Equal("cam1", incident.Camera);
        Assert.Equal(["clip-0000001", "clip-0000002"], incident.ClipIds.Order());
        Assert.True(incident.Verified);
        Assert.Equal(AlertSeverity.High, incident.Severity);
        Assert.Equal(3, incident.Reasons.Count);
        Assert.Equal(["clip-0000004"], alerts[1].ClipIds);
        Assert.Equal("cam2", alerts[2].Camera);
        var gateOnly = alerts[3];
        Assert.Equal("cam3", gateOnly.Camera);
        Assert.False(gateOnly.Verified);
        Assert.Equal(["opened", "merged", "merged"], await AuditAsync(incident.AlertId, "action"));
        Assert.Equal(4, (await silo.Grains.GetGrain<IBranchGrain>(IBranchGrain.KeyOf("b1")).GetAsync()).OpenAlerts);
    }

    [Fact]
    public async Task Staff_actions_are_audited_and_confirmations_become_labels()
    {
        var site = silo.Grains.GetGrain<ISiteAlertsGrain>(ISiteAlertsGrain.KeyOf("b2", "s1"));
        var now = DateTimeOffset.UtcNow;
        await site.RecordJudgmentAsync(Clip("clip-0000011", "cam1", now), Fight("clip-0000011", "cam1", 0.9, "b2"));
        await site.RecordJudgmentAsync(Clip("clip-0000012", "cam2", now), Fight("clip-0000012", "cam2", 0.9, "b2"));
        var service = silo.Services.GetRequiredService<IAlertService>();
        var list = await service.ListAsync("b2", "s1", 10, CancellationToken.None);
        var first = list.Single(a => a.Camera == "cam1");
        var second = list.Single(a => a.Camera == "cam2");

        var ack = await service.AcknowledgeAsync(first.AlertId, "alice", "looking", CancellationToken.None);
        Assert.True(ack.Ok, ack.Error);
        Assert.Equal(AlertState.Acknowledged, ack.Alert!.State);
        Assert.False((await service.AcknowledgeAsync(first.AlertId, "bob", null, CancellationToken.None)).Ok);
        var confirm = await service.ConfirmAsync(first.AlertId, "alice", "security sent", CancellationToken.None);
        Assert.True(confirm.Ok, confirm.Error);
        var late = await service.DismissAsync(first.AlertId, "bob", null, CancellationToken.None);
        Assert.False(late.Ok);
        Assert.Contains("confirmed", late.Error);
        Assert.True((await service.DismissAsync(second.AlertId, "bob", "kids playing", CancellationToken.None)).Ok);
        Assert.False((await service.ConfirmAsync("20990101-000000-000-0000000000", "bob", null, CancellationToken.None)).Ok);
        Assert.False((await service.ConfirmAsync(second.AlertId, "", null, CancellationToken.None)).Ok);

        Assert.Equal(["opened", "acknowledged", "confirmed"], await AuditAsync(first.AlertId, "action"));
        Assert.Equal(["system", "alice", "alice"], await AuditAsync(first.AlertId, "actor"));
        Assert.Equal(AlertState.Confirmed, (await service.GetAsync(first.AlertId, CancellationToken.None))!.State);
        // label / the clip's edge feature / length of its scene embedding
        Assert.Equal("fight/0.7/2", await LabelAsync("clip-0000011"));
        Assert.Equal("nofight/0.7/2", await LabelAsync("clip-0000012"));
        Assert.Empty(await site.GetOpenAsync());
    }

    private static ClipEvidence Clip(string clipId, string camera, DateTimeOffset at) =>
        new(clipId, "d1", camera, "fight", at, 0.55, [$"clips/{clipId}/kf-000.jpg"], new Dictionary<string, float> { ["motion"] = 0.7f }, [0.5f, 0.25f]);

    private static Judgment Fight(string clipId, string camera, double confidence, string branch = "b1") =>
        Judged(clipId, camera, Verdict.Fight, confidence, branch);

    private static Judgment NoFight(string clipId, string camera) => Judged(clipId, camera, Verdict.NoFight, 0.9, "b1");

    private static Judgment Judged(string clipId, string camera, Verdict verdict, double confidence, string branch) => new()
    {
        ClipId = clipId, Branch = branch, Site = "s1", Device = "d1", Camera = camera, TimeUtc = DateTimeOffset.UtcNow, Rule = "fight",
        Verdict = verdict, Confidence = confidence, Reason = "people exchange blows", Backend = "vlm:test", DurationMs = 12,
    };

    private static GateEvent Gate(string eventId, string camera, DateTimeOffset at) => new()
    {
        EventId = eventId, Branch = "b1", Site = "s1", Device = "d1", Camera = camera, TimeUtc = at, Rule = "fight",
        Decision = GateDecision.Certain, Score = 0.93, Low = 0.3, High = 0.8,
    };

    private async Task<List<string>> AuditAsync(string alertId, string column)
    {
        await using var conn = new NpgsqlConnection(db.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT {column} FROM alert_audit WHERE alert_id = @id ORDER BY id", conn);
        cmd.Parameters.AddWithValue("id", alertId);
        var list = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add(r.GetString(0));
        return list;
    }

    private async Task<string?> LabelAsync(string clipId)
    {
        await using var conn = new NpgsqlConnection(db.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT label || '/' || (features->>'motion') || '/' || array_length(scene_embedding, 1) FROM labels WHERE clip_id = @c AND source = 'staff'", conn);
        cmd.Parameters.AddWithValue("c", clipId);
        return await cmd.ExecuteScalarAsync() as string;
    }
}
