using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Grains;

/// <summary>One edge agent, keyed <c>branch/site/device</c> (<see cref="KeyOf"/>): status, health, versions, last seen.</summary>
public interface IDeviceGrain : IGrainWithStringKey
{
    Task ReportStatusAsync(DeviceStatus status);

    Task<DeviceView> GetAsync();

    static string KeyOf(string branch, string site, string device) => $"{branch}/{site}/{device}";
}

[GenerateSerializer]
public sealed record DeviceView(
    [property: Id(0)] string Branch, [property: Id(1)] string Site, [property: Id(2)] string Device,
    [property: Id(3)] string State, [property: Id(4)] DateTimeOffset? LastSeenUtc, [property: Id(5)] string Health,
    [property: Id(6)] string AgentVersion, [property: Id(7)] IReadOnlyDictionary<string, string> ModelVersions,
    [property: Id(8)] IReadOnlyList<string> Cameras, [property: Id(9)] string Silo);
