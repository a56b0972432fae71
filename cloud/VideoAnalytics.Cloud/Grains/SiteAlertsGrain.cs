using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Grains;

/// <summary>
/// One site's incidents. Judgments (fight, unsure), clips the judge could not reach, and certain gate events join an
/// open incident or open a new one (the rules are <see cref="OpenIncident"/>'s). The alerts tables are its state: it
/// loads the open alerts on activation and writes every change (with audit, labels and NOTIFY) in one transaction
/// before fanning it out.
/// </summary>
[GrainType("site-alerts")]
public sealed class SiteAlertsGrain(
    AlertStore store, AlertOutbox outbox, IOptions<AlertOptions> options, TimeProvider time, ILogger<SiteAlertsGrain> logger)
    : Grain, ISiteAlertsGrain
{
    private string branch = "", site = "";
    private List<OpenIncident> open = [];

    public override async Task OnActivateAsync(CancellationToken ct)
    {
        var key = this.GetPrimaryKeyString().Split('/');
        (branch, site) = (key[0], key[1]);
        open = await store.LoadOpenAsync(branch, site, ct);
    }

    public async Task RecordJudgmentAsync(ClipEvidence clip, Judgment judgment)
    {
        var existing = open.FirstOrDefault(i => i.Evidence.ContainsKey(clip.ClipId));
        var verdict = AlertText.Of(judgment.Verdict);
        if (existing is not null && existing.Evidence[clip.ClipId] == verdict) return; // the same judgment again
        var reason = $"{judgment.Backend}: {verdict} ({judgment.Confidence:0.00}) {judgment.Reason}";
        var evidence = ClipRow(clip, judgment.Verdict, judgment.Confidence, reason, judgment.Backend, verified: judgment.Verdict == Verdict.Fight);

        switch (judgment.Verdict)
        {
            case Verdict.Fight:
                await MergeAsync(clip.Device, clip.Camera, clip.Rule, clip.TimeUtc, evidence,
                    judgment.Confidence >= 0.85 ? AlertSeverity.High : AlertSeverity.Medium, verified: true);
                break;
            case Verdict.Unsure:
                await MergeAsync(clip.Device, clip.Camera, clip.Rule, clip.TimeUtc, evidence, AlertSeverity.Low, verified: false);
                break;
            case Verdict.NoFight when existing is not null:
                await ClearClipAsync(existing, clip.ClipId, evidence, judgment.Backend);
                break;
        }
    }

    public async Task RecordUnjudgedClipAsync(ClipEvidence clip, string reason)
    {
        if (open.Any(i => i.Evidence.ContainsKey(clip.ClipId)) || await store.EvidenceExistsAsync(clip.ClipId, CancellationToken.None)) return;
        var evidence = ClipRow(clip, null, null, $"not judged yet: {reason}", null, verified: false);
        await MergeAsync(clip.Device, clip.Camera, clip.Rule, clip.TimeUtc, evidence, AlertSeverity.Low, verified: false);
    }

    public async Task RecordGateEventAsync(GateEvent gateEvent)
    {
        if (gateEvent.Decision != GateDecision.Certain) return;
        if (open.Any(i => i.Evidence.ContainsKey(gateEvent.EventId)) || await store.EvidenceExistsAsync(gateEvent.EventId, CancellationToken.None)) return;
        var evidence = new EvidenceRow(gateEvent.EventId, "gate_event", gateEvent.ClipId, null, null, gateEvent.Score,
            string.Create(CultureInfo.InvariantCulture, $"edge gate certain: score {gateEvent.Score:0.00} (high {gateEvent.High:0.00})"),
            null, false, gateEvent.TimeUtc, gateEvent.Features ?? new Dictionary<string, float>(), null, null);
        await MergeAsync(gateEvent.Device, gateEvent.Camera, gateEvent.Rule, gateEvent.TimeUtc, evidence,
            gateEvent.Score >= 0.95 ? AlertSeverity.High : AlertSeverity.Medium, verified: false);
    }

    public async Task<AlertActionResult> ActAsync(string alertId, AlertAction action, string actor, string? note)
    {
        var incident = open.FirstOrDefault(i => i.Alert.AlertId == alertId);
        var current = incident?.Alert ?? await store.GetAsync(alertId, CancellationToken.None);
        if (current is null || current.Branch != branch || current.Site != site)
            return new AlertActionResult(false, null, $"alert {alertId} not found");
        var target = action switch
        {
            AlertAction.Acknowledge => AlertState.Acknowledged,
            AlertAction.Confirm => AlertState.Confirmed,
            _ => AlertState.Dismissed,
        };
        var allowed = current.State == AlertState.New || (current.State == AlertState.Acknowledged && target != AlertState.Acknowledged);
        if (!allowed)
            return new AlertActionResult(false, current, $"alert {alertId} is {AlertText.Of(current.State)}; it cannot become {AlertText.Of(target)}");

        var updated = current with { State = target, TimeUtc = time.GetUtcNow() };
        var label = target switch { AlertState.Confirmed => "fight", AlertState.Dismissed => "nofight", _ => null };
        await SaveAsync(new AlertChange(updated, incident?.LastEvidenceUtc ?? current.TimeUtc, null, actor, AlertText.Of(target),
            current.State, note, label));
        if (incident is not null)
        {
            if (target == AlertState.Acknowledged) incident.Alert = updated;
            else open.Remove(incident);
        }
        await ReportOpenCountAsync();
        return new AlertActionResult(true, updated, null);
    }

    public Task<IReadOnlyList<Alert>> GetOpenAsync() => Task.FromResult<IReadOnlyList<Alert>>(open.Select(i => i.Alert).ToList());

    private async Task MergeAsync(string device, string camera, string rule, DateTimeOffset evidenceUtc, EvidenceRow evidence,
        AlertSeverity severity, bool verified)
    {
        var now = time.GetUtcNow();
        var incident = OpenIncident.Joinable(open, camera, rule, evidenceUtc, options.Value.MergeWindow);
        if (incident is null)
        {
            incident = OpenIncident.Open(branch, site, device, camera, rule, evidenceUtc, evidence, severity, verified, now);
            await SaveAsync(new AlertChange(incident.Alert, evidenceUtc, evidence, "system", "opened", null, null, null));
            open.Add(incident);
            logger.LogInformation("Opened alert {AlertId} for {Rule} at {Branch}/{Site} camera {Camera}", incident.Alert.AlertId, rule, branch, site, camera);
            await ReportOpenCountAsync();
            return;
        }

        var before = incident.Alert.State;
        var action = incident.Merge(device, evidenceUtc, evidence, severity, verified, now);
        await SaveAsync(new AlertChange(incident.Alert, incident.LastEvidenceUtc, evidence, "system", action, before, null, null));
    }

    /// <summary>The judge found no fight in a clip that had been raised unverified: with nothing else behind it, the alert closes.</summary>
    private async Task ClearClipAsync(OpenIncident incident, string clipId, EvidenceRow evidence, string backend)
    {
        var before = incident.Alert.State;
        var dismissed = incident.ClearClip(clipId, evidence, time.GetUtcNow());
        await SaveAsync(new AlertChange(incident.Alert, incident.LastEvidenceUtc, evidence, $"judge:{backend}",
            dismissed ? "dismissed" : "merged", before, dismissed ? "the judge found no fight in any clip" : null, null));
        if (dismissed)
        {
            open.Remove(incident);
            await ReportOpenCountAsync();
        }
    }

    private async Task SaveAsync(AlertChange change)
    {
        await store.SaveAsync(change, CancellationToken.None);
        outbox.Committed(change.Alert, change.Action);
    }

    private Task ReportOpenCountAsync() =>
        GrainFactory.GetGrain<IBranchGrain>(IBranchGrain.KeyOf(branch)).ReportOpenAlertsAsync(site, open.Count);

    private static EvidenceRow ClipRow(ClipEvidence clip, Verdict? verdict, double? confidence, string reason, string? backend, bool verified) =>
        new(clip.ClipId, "judgment", clip.ClipId, verdict, confidence, clip.GateScore, reason, backend, verified, clip.TimeUtc,
            clip.Features, clip.SceneEmbedding, clip.KeyframeKeys);
}
