using VideoAnalytics.Cloud.Grains;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Ingest;

/// <summary>Hands ingest's durable work to the grains; every target is idempotent on the clip / event id.</summary>
public sealed class GrainClipDispatcher(IGrainFactory grains) : IClipDispatcher
{
    public async Task DispatchClipAsync(ClipManifest manifest, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        await grains.GetGrain<IClipGrain>(IClipGrain.KeyOf(manifest.ClipId)).SubmitAsync(manifest).WaitAsync(ct);
    }

    public async Task DispatchGateEventAsync(GateEvent gateEvent, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        await grains.GetGrain<ICameraGrain>(ICameraGrain.KeyOf(gateEvent.Branch, gateEvent.Site, gateEvent.Device, gateEvent.Camera))
            .RecordGateEventAsync(gateEvent).WaitAsync(ct);
    }

    public async Task DispatchStatusAsync(DeviceStatus status, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        await grains.GetGrain<IDeviceGrain>(IDeviceGrain.KeyOf(status.Branch, status.Site, status.Device)).ReportStatusAsync(status).WaitAsync(ct);
    }
}
