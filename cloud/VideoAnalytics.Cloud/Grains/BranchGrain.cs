namespace VideoAnalytics.Cloud.Grains;

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
