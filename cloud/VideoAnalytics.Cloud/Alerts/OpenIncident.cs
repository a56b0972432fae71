using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Alerts;

/// <summary>
/// An open incident as its site's alerts grain holds it: the alert, and what evidence it has. Evidence for the same
/// camera and rule within <see cref="AlertOptions.MergeWindow"/> of an open incident's last evidence joins it (see
/// <see cref="Joinable"/>); otherwise it opens a new one (<see cref="Open"/>). Severity only rises, and an incident with
/// <see cref="CriticalAfterFightClips"/> clips judged "fight" is critical.
/// </summary>
public sealed class OpenIncident(Alert alert, DateTimeOffset lastEvidenceUtc)
{
    private const int CriticalAfterFightClips = 3;
    private const int MaxReasonsKept = 50;

    public Alert Alert { get; set; } = alert;
    public DateTimeOffset LastEvidenceUtc { get; set; } = lastEvidenceUtc;

    /// <summary>Evidence id → kind and verdict ("gate_event", or a verdict name, or "" for a clip not judged yet).</summary>
    public Dictionary<string, string> Evidence { get; } = new(StringComparer.Ordinal);

    /// <summary>The open incident that evidence for this camera and rule at <paramref name="evidenceUtc"/> joins, if any.</summary>
    public static OpenIncident? Joinable(IEnumerable<OpenIncident> open, string camera, string rule, DateTimeOffset evidenceUtc, TimeSpan mergeWindow) =>
        open.Where(i => i.Alert.Camera == camera && i.Alert.Rule == rule && (evidenceUtc - i.LastEvidenceUtc).Duration() <= mergeWindow)
            .MaxBy(i => i.LastEvidenceUtc);

    /// <summary>A new incident opened by <paramref name="evidence"/>.</summary>
    public static OpenIncident Open(string branch, string site, string device, string camera, string rule, DateTimeOffset evidenceUtc,
        EvidenceRow evidence, AlertSeverity severity, bool verified, DateTimeOffset now)
    {
        var alert = new Alert
        {
            AlertId = ClipIds.New(now), Branch = branch, Site = site, Device = device, Camera = camera, Rule = rule,
            TimeUtc = now, OpenedUtc = now, Severity = severity, State = AlertState.New, Verified = verified, Summary = "",
            ClipIds = evidence.ClipId is { } c ? [c] : [], Reasons = [evidence.Reason],
        };
        var incident = new OpenIncident(alert, evidenceUtc);
        incident.Evidence[evidence.EvidenceId] = EvidenceTag(evidence);
        incident.Alert = alert with { Summary = incident.Summarise() };
        return incident;
    }

    /// <summary>Adds evidence to the incident; returns the audit action ("verified" when it is the first verified evidence, else "merged").</summary>
    public string Merge(string device, DateTimeOffset evidenceUtc, EvidenceRow evidence, AlertSeverity severity, bool verified, DateTimeOffset now)
    {
        var before = Alert;
        Evidence[evidence.EvidenceId] = EvidenceTag(evidence);
        var fightClips = Evidence.Values.Count(v => v == "fight");
        var newSeverity = (AlertSeverity)Math.Max((int)before.Severity, (int)severity);
        if (fightClips >= CriticalAfterFightClips) newSeverity = AlertSeverity.Critical;
        var merged = before with
        {
            Device = device, TimeUtc = now, Severity = newSeverity, Verified = before.Verified || verified,
            ClipIds = evidence.ClipId is { } clip && !before.ClipIds.Contains(clip) ? [.. before.ClipIds, clip] : before.ClipIds,
            Reasons = [.. before.Reasons.TakeLast(MaxReasonsKept - 1), evidence.Reason],
        };
        if (evidenceUtc > LastEvidenceUtc) LastEvidenceUtc = evidenceUtc;
        Alert = merged;
        Alert = merged with { Summary = Summarise() };
        return !before.Verified && Alert.Verified ? "verified" : "merged";
    }

    /// <summary>
    /// The judge found no fight in clip <paramref name="clipId"/>: with nothing else behind an unverified incident, it is
    /// dismissed (returns true); otherwise the verdict is only recorded.
    /// </summary>
    public bool ClearClip(string clipId, EvidenceRow evidence, DateTimeOffset now)
    {
        Evidence[clipId] = EvidenceTag(evidence);
        var before = Alert;
        var nothingElse = !before.Verified && Evidence.Values.All(v => v is "no_fight");
        var updated = before with
        {
            TimeUtc = now, State = nothingElse ? AlertState.Dismissed : before.State,
            Reasons = [.. before.Reasons.TakeLast(MaxReasonsKept - 1), evidence.Reason],
        };
        Alert = updated;
        Alert = updated with { Summary = Summarise() };
        return nothingElse;
    }

    private static string EvidenceTag(EvidenceRow e) => e.Kind == "gate_event" ? "gate_event" : e.Verdict is { } v ? AlertText.Of(v) : "";

    private string Summarise()
    {
        var a = Alert;
        var clips = Evidence.Values.Count(v => v != "gate_event");
        var fights = Evidence.Values.Count(v => v == "fight");
        var gates = Evidence.Values.Count(v => v == "gate_event");
        var parts = new List<string>();
        if (fights > 0) parts.Add($"{fights} clip(s) judged {a.Rule}");
        if (clips - fights > 0) parts.Add($"{clips - fights} other clip(s)");
        if (gates > 0) parts.Add($"{gates} certain edge event(s)");
        return $"{a.Rule} on camera {a.Camera}: {string.Join(", ", parts)}; {(a.Verified ? "verified by the judge" : "unverified")}";
    }
}
