using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Ingest;

/// <summary>
/// Hands work that ingest has made durable to the grains. Called at least once per item (again after a silo
/// restart), so implementations must be idempotent on the clip id / event id.
/// </summary>
public interface IClipDispatcher
{
    /// <summary>A clip whose chunks are all present and whose whole-clip hash matched; its blob is in the clip store.</summary>
    Task DispatchClipAsync(ClipManifest manifest, CancellationToken ct);

    Task DispatchGateEventAsync(GateEvent gateEvent, CancellationToken ct);

    Task DispatchStatusAsync(DeviceStatus status, CancellationToken ct);
}
