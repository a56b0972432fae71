using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using VideoAnalytics.Cloud.Console.Devices;
using VideoAnalytics.Cloud.Tests.Console.Support;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Tests.Console;

/// <summary>The device page shows each device's latest status: a late, older record never overwrites a newer one.</summary>
public sealed class DeviceStatusKeepsTheNewestTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>
{
    private readonly ConsoleTestHost host = fixture.Host;

    [Fact]
    public async Task LastWillAfterAStatusWinsAndALateRetainedStatusIsIgnored()
    {
        var store = host.Services.GetRequiredService<DeviceStatusStore>();
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-1);
        var online = new DeviceStatus
        {
            Branch = "north", Site = "north-02", Device = "jetson-7", TimeUtc = t0, State = DeviceState.Online, AgentVersion = "1.4.0",
            Cameras = [new CameraHealth("lobby", "ok", 4.9, 1200, 3, t0, null)],
            Spool = new SpoolHealth(5_242_880, 12, 0, 1),
            ModelVersions = new Dictionary<string, string> { ["detector"] = "yolox-nano@3", ["heads"] = "fight@12" },
        };
        var offline = online with { TimeUtc = t0.AddSeconds(30), State = DeviceState.Offline };

        await store.UpsertAsync(online, t0, CancellationToken.None);
        await store.UpsertAsync(offline, t0.AddSeconds(31), CancellationToken.None);
        await store.UpsertAsync(online, t0.AddSeconds(32), CancellationToken.None);

        using var admin = await host.SignedInClientAsync(ConsoleHostFixture.Admin);
        using var reply = await admin.GetAsync("/api/devices?branch=north&site=north-02");
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        using var doc = JsonDocument.Parse(await reply.Content.ReadAsStringAsync());
        var device = Assert.Single(doc.RootElement.EnumerateArray());
        var status = device.GetProperty("status");
        Assert.Equal("offline", status.GetProperty("state").GetString());
        Assert.Equal(4.9, status.GetProperty("cameras")[0].GetProperty("fps").GetDouble());
        Assert.Equal(5_242_880, status.GetProperty("spool").GetProperty("bytes").GetInt64());
        Assert.Equal("fight@12", status.GetProperty("modelVersions").GetProperty("heads").GetString());
        Assert.False(device.GetProperty("stale").GetBoolean());
    }

    [Fact]
    public async Task ADeviceSilentForLongerThanTheLimitIsStale()
    {
        var store = host.Services.GetRequiredService<DeviceStatusStore>();
        var longAgo = DateTimeOffset.UtcNow.AddHours(-2);
        await store.UpsertAsync(new DeviceStatus
        {
            Branch = "north", Site = "north-03", Device = "jetson-9", TimeUtc = longAgo, State = DeviceState.Online,
        }, longAgo, CancellationToken.None);

        using var staff = await host.SignedInClientAsync(ConsoleHostFixture.NorthStaff);
        using var doc = JsonDocument.Parse(await staff.GetStringAsync("/api/devices?site=north-03"));

        Assert.True(Assert.Single(doc.RootElement.EnumerateArray()).GetProperty("stale").GetBoolean());
    }
}
