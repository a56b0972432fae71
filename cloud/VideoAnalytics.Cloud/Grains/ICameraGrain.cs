using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Grains;

/// <summary>One camera, keyed <c>branch/site/device/camera</c> (<see cref="KeyOf"/>): health from its device's status, last gate event.</summary>
public interface ICameraGrain : IGrainWithStringKey
{
    Task ReportHealthAsync(CameraHealth health, DateTimeOffset timeUtc);

    Task RecordGateEventAsync(GateEvent gateEvent);

    Task<CameraView> GetAsync();

    static string KeyOf(string branch, string site, string device, string camera) => $"{branch}/{site}/{device}/{camera}";
}

[GenerateSerializer]
public sealed record CameraView(
    [property: Id(0)] string CameraKey, [property: Id(1)] string State, [property: Id(2)] double Fps,
    [property: Id(3)] DateTimeOffset? LastFrameUtc, [property: Id(4)] string? LastError,
    [property: Id(5)] string? LastGateRule, [property: Id(6)] string? LastGateDecision, [property: Id(7)] double? LastGateScore,
    [property: Id(8)] DateTimeOffset? LastGateUtc, [property: Id(9)] string Silo);
