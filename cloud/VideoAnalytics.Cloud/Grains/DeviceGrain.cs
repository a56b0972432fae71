using Microsoft.Extensions.Logging;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Grains;

/// <summary>
/// One edge agent. Its retained status (and Last Will) says online/offline; older statuses than the one held are
/// ignored (redelivery after a reconnect). Camera health goes to the camera grains, online changes to the branch.
/// </summary>
[GrainType("device")]
public sealed class DeviceGrain(
    [PersistentState("device")] IPersistentState<DeviceGrainState> state, TimeProvider time, ILogger<DeviceGrain> logger) : Grain, IDeviceGrain
{
    public async Task ReportStatusAsync(DeviceStatus status)
    {
        var s = state.State;
        if (s.StatusTimeUtc is { } held && status.TimeUtc < held) return;
        var wasOnline = s.State == "online";
        var online = status.State == DeviceState.Online;
        s.State = online ? "online" : "offline";
        s.StatusTimeUtc = status.TimeUtc;
        s.LastSeenUtc = time.GetUtcNow();
        // Optional collections may arrive as null from the contract reader when a payload leaves them out.
        var cameras = status.Cameras ?? [];
        if (status.AgentVersion is { Length: > 0 } version) s.AgentVersion = version;
        if (status.ModelVersions is { Count: > 0 } models) s.ModelVersions = models.ToDictionary(x => x.Key, x => x.Value);
        if (cameras.Count > 0) s.Cameras = cameras.Select(c => c.Camera).Order(StringComparer.Ordinal).ToList();
        s.Spool = status.Spool ?? s.Spool;
        s.Health = !online ? "offline"
            : cameras.Any(c => c.State != "ok" || c.LastError is { Length: > 0 }) || status.Spool is { DroppedClips: > 0 } ? "degraded"
            : "ok";
        await state.WriteStateAsync();

        foreach (var camera in cameras)
        {
            await GrainFactory.GetGrain<ICameraGrain>(ICameraGrain.KeyOf(status.Branch, status.Site, status.Device, camera.Camera))
                .ReportHealthAsync(camera, status.TimeUtc);
        }
        if (wasOnline != online)
        {
            logger.LogInformation("Device {Branch}/{Site}/{Device} is {State}", status.Branch, status.Site, status.Device, s.State);
            await GrainFactory.GetGrain<IBranchGrain>(IBranchGrain.KeyOf(status.Branch)).ReportDeviceAsync(status.Site, status.Device, online);
        }
    }

    public Task<DeviceView> GetAsync()
    {
        var key = this.GetPrimaryKeyString().Split('/');
        var s = state.State;
        return Task.FromResult(new DeviceView(key[0], key[1], key[2], s.State, s.LastSeenUtc, s.Health, s.AgentVersion,
            s.ModelVersions, s.Cameras, RuntimeIdentity));
    }
}
