using VideoAnalytics.Cloud.Models.Rollout;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Cloud.Models;

/// <summary>
/// Takes a device's validated <c>models/reported</c>: stores it for status, and hands it to every rollout whose scope
/// covers the device (a rollout ignores devices it did not release). Idempotent, so a report delivered twice is harmless.
/// </summary>
public sealed class ModelReportRecorder(ModelRegistryStore store, IGrainFactory grains)
{
    public const string HealthyMark = "ok";

    public async Task RecordAsync(ReportedModelState report, CancellationToken ct)
    {
        await store.UpsertReportAsync(report, ct);
        var device = new DeviceId(report.Branch, report.Site, report.Device);
        var reduced = new DeviceReport(RolloutCoordinator.DeviceKey(device), ModelRegistryStore.StateName(report.State),
            [.. report.Models.Where(m => m.Health == HealthyMark).Select(m => DeviceReport.Healthy(m.Name, m.Version))], report.LastError, report.TimeUtc, report.RolloutId);
        foreach (var a in (await store.ActiveAssignmentsAsync(ct)).Where(a => a.Scope.Covers(device)))
            await grains.GetGrain<IRolloutGrain>(IRolloutGrain.KeyOf(a.Scope, ModelRegistryStore.KindName(a.Kind))).OnReportedAsync(reduced);
    }
}
