using System.Net;
using System.Text.Json;
using VideoAnalytics.Cloud.Tests.Console.Support;

namespace VideoAnalytics.Cloud.Tests.Console;

/// <summary>Acknowledge, confirm and dismiss change the alert, leave an audit row with who and why, and reach live lists.</summary>
public sealed class AlertActionsAreAuditedTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>
{
    private readonly ConsoleTestHost host = fixture.Host;

    [Fact]
    public async Task AcknowledgeThenConfirmAreRecordedWithActorAndNote()
    {
        var alert = await host.AddAlertAsync("north", "north-01");
        using var staff = await host.SignedInClientAsync(ConsoleHostFixture.NorthStaff);

        using var ack = await staff.SendAsync(ConsoleTestHost.Post($"/api/alerts/{alert.AlertId}/acknowledge", new { note = "looking at camera 1" }));
        using var confirm = await staff.SendAsync(ConsoleTestHost.Post($"/api/alerts/{alert.AlertId}/confirm", new { note = "  police called  " }));

        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        using var confirmed = JsonDocument.Parse(await confirm.Content.ReadAsStringAsync());
        Assert.Equal("confirmed", confirmed.RootElement.GetProperty("state").GetString());
        Assert.Equal("confirmed", await ScalarAsync("SELECT state FROM alerts WHERE alert_id = @id", alert.AlertId));
        var audit = await AuditAsync(alert.AlertId);
        Assert.Equal(
            [
                ("system", "opened", null, "new", null),
                (ConsoleHostFixture.NorthStaff, "acknowledged", "new", "acknowledged", "looking at camera 1"),
                (ConsoleHostFixture.NorthStaff, "confirmed", "acknowledged", "confirmed", "police called"),
            ],
            audit);
        using var detail = JsonDocument.Parse(await staff.GetStringAsync($"/api/alerts/{alert.AlertId}"));
        Assert.Equal(3, detail.RootElement.GetProperty("audit").GetArrayLength());
    }

    [Fact]
    public async Task AFinishedAlertCannotBeDismissedAndNothingIsAudited()
    {
        var alert = await host.AddAlertAsync("north", "north-01");
        using var admin = await host.SignedInClientAsync(ConsoleHostFixture.Admin);
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(ConsoleTestHost.Post($"/api/alerts/{alert.AlertId}/dismiss", new { }))).StatusCode);

        using var again = await admin.SendAsync(ConsoleTestHost.Post($"/api/alerts/{alert.AlertId}/confirm", new { note = "changed my mind" }));

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("dismissed", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("dismissed", await ScalarAsync("SELECT state FROM alerts WHERE alert_id = @id", alert.AlertId));
        var audit = await AuditAsync(alert.AlertId);
        Assert.Equal(2, audit.Count);
        Assert.Equal((ConsoleHostFixture.Admin, "dismissed", "new", "dismissed", null), audit[1]);
    }

    [Fact]
    public async Task AStateChangeReachesOpenLiveStreams()
    {
        var alert = await host.AddAlertAsync("north", "north-01");
        using var watcher = await host.SignedInClientAsync(ConsoleHostFixture.NorthStaff);
        using var actor = await host.SignedInClientAsync(ConsoleHostFixture.Admin);
        using var response = await watcher.GetAsync("/api/alerts/stream?site=north-01", HttpCompletionOption.ResponseHeadersRead);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync());

        Assert.Equal(HttpStatusCode.OK, (await actor.SendAsync(ConsoleTestHost.Post($"/api/alerts/{alert.AlertId}/acknowledge", new { }))).StatusCode);

        var (_, data) = await events.NextAsync(TimeSpan.FromSeconds(15));
        using var change = JsonDocument.Parse(data);
        Assert.Equal(alert.AlertId, change.RootElement.GetProperty("alertId").GetString());
        Assert.Equal("acknowledged", change.RootElement.GetProperty("state").GetString());
    }

    private async Task<string?> ScalarAsync(string sql, string alertId)
    {
        await using var cmd = host.DataSource.CreateCommand(sql);
        cmd.Parameters.AddWithValue("id", alertId);
        return (string?)await cmd.ExecuteScalarAsync();
    }

    private async Task<List<(string Actor, string Action, string? From, string? To, string? Note)>> AuditAsync(string alertId)
    {
        await using var cmd = host.DataSource.CreateCommand(
            "SELECT actor, action, from_state, to_state, note FROM alert_audit WHERE alert_id = @id ORDER BY id");
        cmd.Parameters.AddWithValue("id", alertId);
        var rows = new List<(string, string, string?, string?, string?)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return rows;
    }
}
