namespace VideoAnalytics.Cloud.Grains;

/// <summary>What <see cref="BranchGrain"/> persists (grain state <c>branch</c>).</summary>
public sealed class BranchGrainState
{
    /// <summary>Site → device → online.</summary>
    public Dictionary<string, Dictionary<string, bool>> Devices { get; set; } = [];

    /// <summary>Site → open alerts (new or acknowledged).</summary>
    public Dictionary<string, int> OpenAlerts { get; set; } = [];
}
