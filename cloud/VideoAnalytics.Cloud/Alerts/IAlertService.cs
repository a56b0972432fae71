using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Alerts;

/// <summary>What staff do with alerts (for the console and its HTTP API). Every action is audited with who and when.</summary>
public interface IAlertService
{
    Task<AlertActionResult> AcknowledgeAsync(string alertId, string actor, string? note, CancellationToken ct);

    /// <summary>Confirms the incident; its clips are stored as "fight" labels (source staff) for the next heads.</summary>
    Task<AlertActionResult> ConfirmAsync(string alertId, string actor, string? note, CancellationToken ct);

    /// <summary>Dismisses the incident; its clips are stored as "nofight" labels (source staff).</summary>
    Task<AlertActionResult> DismissAsync(string alertId, string actor, string? note, CancellationToken ct);

    Task<Alert?> GetAsync(string alertId, CancellationToken ct);

    Task<IReadOnlyList<Alert>> ListAsync(string? branch, string? site, int limit, CancellationToken ct);
}
