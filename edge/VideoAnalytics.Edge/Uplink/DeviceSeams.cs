using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Edge.Uplink;

/// <summary>What the edge host knows about its cameras and models; the uplink puts it in every status message.</summary>
public interface IDeviceHealthSource
{
    IReadOnlyList<CameraHealth> Cameras { get; }

    IReadOnlyDictionary<string, string> ModelVersions { get; }
}

/// <summary>Receives the validated model set the cloud wants this device to run (retained on <c>models/desired</c>).</summary>
public interface IDesiredModelsHandler
{
    Task OnDesiredModelsAsync(DesiredModelState desired, CancellationToken ct);
}

/// <summary>The device's live connection, for messages that are state rather than queued data.</summary>
public interface IDeviceUplink
{
    bool IsConnected { get; }

    /// <summary>Who the device is on the wire (<c>Edge:Mqtt:DeviceId</c>): the ids in its topics and reports.</summary>
    DeviceId Device { get; }

    /// <summary>Publishes (retained) what the device runs now; kept and re-published on every reconnect.</summary>
    Task PublishModelsReportedAsync(ReportedModelState reported, CancellationToken ct);
}

/// <summary>Used until the host registers its own source: no cameras, no models.</summary>
internal sealed class EmptyDeviceHealthSource : IDeviceHealthSource
{
    public IReadOnlyList<CameraHealth> Cameras => [];

    public IReadOnlyDictionary<string, string> ModelVersions { get; } = new Dictionary<string, string>();
}
