using VideoAnalytics.Cloud.Grains;
using VideoAnalytics.Cloud.Tests.Infrastructure;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests;

/// <summary>Device, camera and branch state written by one silo host is read back by the next one on the same database.</summary>
public sealed class GrainStateSurvivesRestartTests
{
    [Fact]
    public async Task State_written_before_a_restart_is_there_after_it()
    {
        await using var db = await TestDatabase.CreateAsync();
        var at = DateTimeOffset.UtcNow;
        await using (var first = await InProcessSilo.StartAsync(db.ConnectionString))
        {
            await first.Grains.GetGrain<IDeviceGrain>(IDeviceGrain.KeyOf("b1", "s1", "d1")).ReportStatusAsync(new DeviceStatus
            {
                Branch = "b1", Site = "s1", Device = "d1", TimeUtc = at, State = DeviceState.Online, AgentVersion = "1.4.2",
                Cameras = [new CameraHealth("cam1", "reconnecting", 0, 10, 3, null, "rtsp timeout")],
            });
            await first.Grains.GetGrain<ICameraGrain>(ICameraGrain.KeyOf("b1", "s1", "d1", "cam1")).RecordGateEventAsync(new GateEvent
            {
                EventId = "ev-restart-01", Branch = "b1", Site = "s1", Device = "d1", Camera = "cam1", TimeUtc = at, Rule = "fight",
                Decision = GateDecision.Uncertain, Score = 0.5, Low = 0.3, High = 0.8,
            });
        }

        await using var second = await InProcessSilo.StartAsync(db.ConnectionString);
        var device = await second.Grains.GetGrain<IDeviceGrain>(IDeviceGrain.KeyOf("b1", "s1", "d1")).GetAsync();
        Assert.Equal(("online", "1.4.2", "degraded"), (device.State, device.AgentVersion, device.Health));
        var camera = await second.Grains.GetGrain<ICameraGrain>(ICameraGrain.KeyOf("b1", "s1", "d1", "cam1")).GetAsync();
        Assert.Equal(("reconnecting", "rtsp timeout", "uncertain", "fight"), (camera.State, camera.LastError, camera.LastGateDecision, camera.LastGateRule));
        var branch = await second.Grains.GetGrain<IBranchGrain>(IBranchGrain.KeyOf("b1")).GetAsync();
        Assert.Equal(1, branch.DevicesOnline);

        // An older status (redelivered retained message) does not roll the device back.
        await second.Grains.GetGrain<IDeviceGrain>(IDeviceGrain.KeyOf("b1", "s1", "d1")).ReportStatusAsync(new DeviceStatus
        {
            Branch = "b1", Site = "s1", Device = "d1", TimeUtc = at.AddMinutes(-5), State = DeviceState.Offline,
        });
        Assert.Equal("online", (await second.Grains.GetGrain<IDeviceGrain>(IDeviceGrain.KeyOf("b1", "s1", "d1")).GetAsync()).State);
    }
}
