namespace VideoAnalytics.Cloud.Grains;

/// <summary>A branch's roll-up over its sites, keyed by the branch id (<see cref="KeyOf"/>): devices online, open alerts.</summary>
public interface IBranchGrain : IGrainWithStringKey
{
    Task ReportDeviceAsync(string site, string device, bool online);

    Task ReportOpenAlertsAsync(string site, int openAlerts);

    Task<BranchView> GetAsync();

    static string KeyOf(string branch) => branch;
}

[GenerateSerializer]
public sealed record BranchView(
    [property: Id(0)] string Branch, [property: Id(1)] IReadOnlyList<SiteRollup> Sites,
    [property: Id(2)] int DevicesOnline, [property: Id(3)] int OpenAlerts);

[GenerateSerializer]
public sealed record SiteRollup(
    [property: Id(0)] string Site, [property: Id(1)] int DevicesOnline, [property: Id(2)] int DevicesKnown, [property: Id(3)] int OpenAlerts);
