using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Edge.Gating;

/// <summary>What the gate does with one window's score.</summary>
/// <param name="Emit">Send a gate event.</param>
/// <param name="UploadClip">Record and send a clip (within the hourly cap).</param>
/// <param name="Suppressed">Why a raise was held back (cooldown, cap), for counters and logs.</param>
public readonly record struct GateOutcome(GateDecision Decision, bool Emit, bool UploadClip, string? Suppressed);

/// <summary>
/// Turns window scores into decisions with hysteresis: a raise (uncertain at <c>low</c>, certain at <c>high</c>) stays
/// raised until the score falls below <c>low</c>, then one "cleared" follows. A new raise within the cooldown after the
/// last one is held back (an escalation from uncertain to certain is not); clips are capped per hour, the events are not.
/// </summary>
public sealed class GateDecider(double low, double high, TimeSpan cooldown, int maxUploadsPerHour)
{
    private readonly Queue<DateTimeOffset> _uploads = new();
    private GateDecision _raised = GateDecision.None;
    private DateTimeOffset? _lastRaise;

    public double Low => low;

    public double High => high;

    public long SuppressedByCooldown { get; private set; }

    public long ClipsCapped { get; private set; }

    public GateOutcome Decide(double score, DateTimeOffset now)
    {
        var level = score >= high ? GateDecision.Certain : score >= low ? GateDecision.Uncertain : GateDecision.None;
        if (level == GateDecision.None)
        {
            if (_raised == GateDecision.None) return new GateOutcome(GateDecision.None, false, false, null);
            _raised = GateDecision.None;
            return new GateOutcome(GateDecision.Cleared, true, false, null);
        }
        if (_raised >= level) return new GateOutcome(level, false, false, null);

        var escalation = _raised == GateDecision.Uncertain && level == GateDecision.Certain;
        if (!escalation && _lastRaise is { } last && now - last < cooldown)
        {
            SuppressedByCooldown++;
            return new GateOutcome(level, false, false, "cooldown");
        }
        _raised = level;
        _lastRaise = now;
        if (escalation) return new GateOutcome(level, true, false, null);

        while (_uploads.Count > 0 && now - _uploads.Peek() >= TimeSpan.FromHours(1)) _uploads.Dequeue();
        if (_uploads.Count >= maxUploadsPerHour)
        {
            ClipsCapped++;
            return new GateOutcome(level, true, false, "hourly clip cap");
        }
        _uploads.Enqueue(now);
        return new GateOutcome(level, true, true, null);
    }
}
