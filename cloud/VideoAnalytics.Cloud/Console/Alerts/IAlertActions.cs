using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Console.Alerts;

/// <summary>
/// Staff decisions on an alert. Each change is audited in <c>alert_audit</c> with the actor and note, and published
/// on the live alert feed. The cloud's alerts service (SiteAlertsGrain) provides this; the console only calls it.
/// </summary>
public interface IAlertActions
{
    Task<AlertActionResult> AcknowledgeAsync(string alertId, string actor, string? note, CancellationToken ct);

    Task<AlertActionResult> ConfirmAsync(string alertId, string actor, string? note, CancellationToken ct);

    Task<AlertActionResult> DismissAsync(string alertId, string actor, string? note, CancellationToken ct);
}

public enum AlertActionOutcome
{
    Changed,
    NotFound,
    /// <summary>The alert's state does not allow the action (e.g. acknowledging a dismissed alert).</summary>
    NotAllowed,
}

public sealed record AlertActionResult(AlertActionOutcome Outcome, Alert? Alert, string Reason)
{
    public static AlertActionResult Changed(Alert alert) => new(AlertActionOutcome.Changed, alert, "");
}
