using System.Net;
using System.Text.Json;
using VideoAnalytics.Cloud.Console.Devices;
using VideoAnalytics.Cloud.Tests.Console.Support;
using VideoAnalytics.Contracts.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace VideoAnalytics.Cloud.Tests.Console;

/// <summary>Branch scope is enforced by the server on every API and page, not just hidden in the UI.</summary>
public sealed class StaffSeeOnlyTheirBranchTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>
{
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(15);
    private readonly ConsoleTestHost host = fixture.Host;

    [Fact]
    public async Task AlertListShowsStaffTheirBranchAndAdminsEveryBranch()
    {
        var north = await host.AddAlertAsync("north", "north-01");
        var south = await host.AddAlertAsync("south", "south-07");
        using var staff = await host.SignedInClientAsync(ConsoleHostFixture.NorthStaff);
        using var admin = await host.SignedInClientAsync(ConsoleHostFixture.Admin);

        var staffIds = await AlertIdsAsync(staff, "/api/alerts");
        var adminIds = await AlertIdsAsync(admin, "/api/alerts");
        var adminSouthIds = await AlertIdsAsync(admin, "/api/alerts?branch=south");

        Assert.Contains(north.AlertId, staffIds);
        Assert.DoesNotContain(south.AlertId, staffIds);
        Assert.Contains(north.AlertId, adminIds);
        Assert.Contains(south.AlertId, adminIds);
        Assert.Contains(south.AlertId, adminSouthIds);
        Assert.DoesNotContain(north.AlertId, adminSouthIds);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.GetAsync("/api/alerts?branch=south")).StatusCode);
    }

    [Fact]
    public async Task AnotherBranchsAlertIsNotFoundThroughApiPageOrActions()
    {
        var south = await host.AddAlertAsync("south", "south-07");
        using var staff = await host.SignedInClientAsync(ConsoleHostFixture.NorthStaff);
        using var owner = await host.SignedInClientAsync(ConsoleHostFixture.SouthStaff);

        Assert.Equal(HttpStatusCode.NotFound, (await staff.GetAsync($"/api/alerts/{south.AlertId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await staff.GetAsync($"/console/alerts/{south.AlertId}")).StatusCode);
        using var dismiss = await staff.SendAsync(ConsoleTestHost.Post($"/api/alerts/{south.AlertId}/dismiss", new { note = "not mine" }));
        Assert.Equal(HttpStatusCode.NotFound, dismiss.StatusCode);

        using var ownerView = JsonDocument.Parse(await owner.GetStringAsync($"/api/alerts/{south.AlertId}"));
        Assert.Equal("new", ownerView.RootElement.GetProperty("alert").GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/console/alerts/{south.AlertId}")).StatusCode);
    }

    [Fact]
    public async Task ClipFilesAreServedOnlyToTheClipsBranch()
    {
        var jpegs = await TestKeyframes.GetAsync();
        var clip = await host.AddClipAsync("south", "south-07", "cam-2", jpegs, _ => []);
        using var staff = await host.SignedInClientAsync(ConsoleHostFixture.NorthStaff);
        using var owner = await host.SignedInClientAsync(ConsoleHostFixture.SouthStaff);
        var url = $"/api/clips/{clip.ClipId}/files/{clip.Files[2].Name}";

        Assert.Equal(HttpStatusCode.NotFound, (await staff.GetAsync(url)).StatusCode);
        using var served = await owner.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("image/jpeg", served.Content.Headers.ContentType!.MediaType);
        Assert.Equal(jpegs[2], await served.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/clips/{clip.ClipId}/files/missing.jpg")).StatusCode);
    }

    [Fact]
    public async Task LiveStreamCarriesOnlyTheStaffsBranch()
    {
        using var staff = await host.SignedInClientAsync(ConsoleHostFixture.NorthStaff);
        using var response = await staff.GetAsync("/api/alerts/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync());

        var south = await host.AddAlertAsync("south", "south-07");
        var north = await host.AddAlertAsync("north", "north-01");
        host.Publish(south);
        host.Publish(north);

        var (name, data) = await events.NextAsync(StreamTimeout);
        Assert.Equal("alert", name);
        using var received = JsonDocument.Parse(data);
        Assert.Equal(north.AlertId, received.RootElement.GetProperty("alertId").GetString());
        Assert.Equal("north", received.RootElement.GetProperty("branch").GetString());
    }

    [Fact]
    public async Task DeviceStatusIsShownOnlyWithinTheBranch()
    {
        var store = host.Services.GetRequiredService<DeviceStatusStore>();
        await store.UpsertAsync(Status("north", "north-01", "jetson-a"), DateTimeOffset.UtcNow, CancellationToken.None);
        await store.UpsertAsync(Status("south", "south-07", "jetson-b"), DateTimeOffset.UtcNow, CancellationToken.None);
        using var staff = await host.SignedInClientAsync(ConsoleHostFixture.NorthStaff);
        using var admin = await host.SignedInClientAsync(ConsoleHostFixture.Admin);

        var staffDevices = await DevicesAsync(staff, "/api/devices");
        var adminDevices = await DevicesAsync(admin, "/api/devices");

        Assert.Contains("jetson-a", staffDevices);
        Assert.DoesNotContain("jetson-b", staffDevices);
        Assert.Contains("jetson-b", adminDevices);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.GetAsync("/api/devices?branch=south")).StatusCode);
    }

    private static DeviceStatus Status(string branch, string site, string device) => new()
    {
        Branch = branch, Site = site, Device = device, TimeUtc = DateTimeOffset.UtcNow, State = DeviceState.Online,
    };

    private static async Task<List<string>> AlertIdsAsync(HttpClient client, string path)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync(path));
        return [.. doc.RootElement.EnumerateArray().Select(a => a.GetProperty("alertId").GetString()!)];
    }

    private static async Task<List<string>> DevicesAsync(HttpClient client, string path)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync(path));
        return [.. doc.RootElement.EnumerateArray().Select(d => d.GetProperty("status").GetProperty("device").GetString()!)];
    }
}
