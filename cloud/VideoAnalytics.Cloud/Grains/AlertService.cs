using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Grains;

/// <summary>Routes staff actions to the alert's site grain, so they are ordered with the merges of that site.</summary>
public sealed class AlertService(IGrainFactory grains, AlertStore store) : IAlertService
{
    public const int MaxActorLength = 64;
    public const int MaxNoteLength = 2000;

    public Task<AlertActionResult> AcknowledgeAsync(string alertId, string actor, string? note, CancellationToken ct) =>
        ActAsync(alertId, AlertAction.Acknowledge, actor, note, ct);

    public Task<AlertActionResult> ConfirmAsync(string alertId, string actor, string? note, CancellationToken ct) =>
        ActAsync(alertId, AlertAction.Confirm, actor, note, ct);

    public Task<AlertActionResult> DismissAsync(string alertId, string actor, string? note, CancellationToken ct) =>
        ActAsync(alertId, AlertAction.Dismiss, actor, note, ct);

    public Task<Alert?> GetAsync(string alertId, CancellationToken ct) => store.GetAsync(alertId, ct);

    public Task<IReadOnlyList<Alert>> ListAsync(string? branch, string? site, int limit, CancellationToken ct) =>
        store.ListAsync(branch, site, limit, ct);

    private async Task<AlertActionResult> ActAsync(string alertId, AlertAction action, string actor, string? note, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(actor) || actor.Length > MaxActorLength)
            return new AlertActionResult(false, null, $"actor must be 1-{MaxActorLength} characters");
        if (note is { Length: > MaxNoteLength }) return new AlertActionResult(false, null, $"note is longer than {MaxNoteLength} characters");
        if (!Contracts.Identity.ClipIds.IsValid(alertId)) return new AlertActionResult(false, null, "alert id is not valid");
        var alert = await store.GetAsync(alertId, ct);
        if (alert is null) return new AlertActionResult(false, null, $"alert {alertId} not found");
        return await grains.GetGrain<ISiteAlertsGrain>(ISiteAlertsGrain.KeyOf(alert.Branch, alert.Site)).ActAsync(alertId, action, actor.Trim(), note);
    }
}
