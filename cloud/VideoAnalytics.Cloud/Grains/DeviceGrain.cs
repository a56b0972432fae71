using Microsoft.Extensions.Logging;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Grains;

public sealed class DeviceGrainState
{
    public string State { get; set; } = "unknown";
    public DateTimeOffset? StatusTimeUtc { get; set; }
    public DateTimeOffset? LastSeenUtc { get; set; }
    public string Health { get; set; } = "unknown";
    public string AgentVersion { get; set; } = "";
    public Dictionary<string, string> ModelVersions { get; set; } = [];
    public List<string> Cameras { get; set; } = [];
    public SpoolHealth? Spool { get; set; }
}

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
            await GrainFactory.GetGrain<ICameraGrain>($"{status.Branch}/{status.Site}/{status.Device}/{camera.Camera}")
                .ReportHealthAsync(camera, status.TimeUtc);
        }
        if (wasOnline != online)
        {
            logger.LogInformation("Device {Branch}/{Site}/{Device} is {State}", status.Branch, status.Site, status.Device, s.State);
            await GrainFactory.GetGrain<IBranchGrain>(status.Branch).ReportDeviceAsync(status.Site, status.Device, online);
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

public sealed class CameraGrainState
{
    public string State { get; set; } = "unknown";
    public double Fps { get; set; }
    public DateTimeOffset? HealthTimeUtc { get; set; }
    public DateTimeOffset? LastFrameUtc { get; set; }
    public string? LastError { get; set; }
    public string? LastGateRule { get; set; }
    public string? LastGateDecision { get; set; }
    public double? LastGateScore { get; set; }
    public DateTimeOffset? LastGateUtc { get; set; }
}

/// <summary>One camera: health from its device's status, and its last gate decision; certain events go to the site's alerts.</summary>
[GrainType("camera")]
public sealed class CameraGrain([PersistentState("camera")] IPersistentState<CameraGrainState> state) : Grain, ICameraGrain
{
    public async Task ReportHealthAsync(CameraHealth health, DateTimeOffset timeUtc)
    {
        var s = state.State;
        if (s.HealthTimeUtc is { } held && timeUtc < held) return;
        s.State = health.State;
        s.Fps = health.Fps;
        s.LastFrameUtc = health.LastFrameUtc ?? s.LastFrameUtc;
        s.LastError = health.LastError;
        s.HealthTimeUtc = timeUtc;
        await state.WriteStateAsync();
    }

    public async Task RecordGateEventAsync(GateEvent gateEvent)
    {
        var s = state.State;
        if (s.LastGateUtc is not { } held || gateEvent.TimeUtc >= held)
        {
            s.LastGateRule = gateEvent.Rule;
            s.LastGateDecision = gateEvent.Decision.ToString().ToLowerInvariant();
            s.LastGateScore = gateEvent.Score;
            s.LastGateUtc = gateEvent.TimeUtc;
            await state.WriteStateAsync();
        }
        if (gateEvent.Decision == GateDecision.Certain)
        {
            await GrainFactory.GetGrain<ISiteAlertsGrain>($"{gateEvent.Branch}/{gateEvent.Site}").RecordGateEventAsync(gateEvent);
        }
    }

    public Task<CameraView> GetAsync()
    {
        var s = state.State;
        return Task.FromResult(new CameraView(this.GetPrimaryKeyString(), s.State, s.Fps, s.LastFrameUtc, s.LastError,
            s.LastGateRule, s.LastGateDecision, s.LastGateScore, s.LastGateUtc, RuntimeIdentity));
    }
}

public sealed class BranchGrainState
{
    /// <summary>Site → device → online.</summary>
    public Dictionary<string, Dictionary<string, bool>> Devices { get; set; } = [];

    /// <summary>Site → open alerts (new or acknowledged).</summary>
    public Dictionary<string, int> OpenAlerts { get; set; } = [];
}

/// <summary>A branch's roll-up of its sites: devices online and known, open alerts.</summary>
[GrainType("branch")]
public sealed class BranchGrain([PersistentState("branch")] IPersistentState<BranchGrainState> state) : Grain, IBranchGrain
{
    public async Task ReportDeviceAsync(string site, string device, bool online)
    {
        if (!state.State.Devices.TryGetValue(site, out var devices)) state.State.Devices[site] = devices = [];
        if (devices.TryGetValue(device, out var held) && held == online) return;
        devices[device] = online;
        await state.WriteStateAsync();
    }

    public async Task ReportOpenAlertsAsync(string site, int openAlerts)
    {
        if (state.State.OpenAlerts.TryGetValue(site, out var held) && held == openAlerts) return;
        state.State.OpenAlerts[site] = openAlerts;
        await state.WriteStateAsync();
    }

    public Task<BranchView> GetAsync()
    {
        var s = state.State;
        var sites = s.Devices.Keys.Union(s.OpenAlerts.Keys).Order(StringComparer.Ordinal)
            .Select(site => new SiteRollup(site,
                s.Devices.TryGetValue(site, out var d) ? d.Count(x => x.Value) : 0,
                s.Devices.TryGetValue(site, out var k) ? k.Count : 0,
                s.OpenAlerts.GetValueOrDefault(site)))
            .ToList();
        return Task.FromResult(new BranchView(this.GetPrimaryKeyString(), sites, sites.Sum(x => x.DevicesOnline), sites.Sum(x => x.OpenAlerts)));
    }
}
