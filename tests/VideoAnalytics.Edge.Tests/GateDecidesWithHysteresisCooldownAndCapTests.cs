using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Edge.Gating;

namespace VideoAnalytics.Edge.Tests;

public sealed class GateDecidesWithHysteresisCooldownAndCapTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Scores_map_to_nothing_uncertain_and_certain_and_a_raise_clears_once_below_low()
    {
        var gate = new GateDecider(low: 0.4, high: 0.8, cooldown: TimeSpan.Zero, maxUploadsPerHour: 100);
        Assert.False(gate.Decide(0.1, T0).Emit);
        var uncertain = gate.Decide(0.5, T0.AddSeconds(1));
        Assert.Equal(GateDecision.Uncertain, uncertain.Decision);
        Assert.True(uncertain.Emit);
        Assert.True(uncertain.UploadClip);
        // Still raised: no new event while the score stays at or above low.
        Assert.False(gate.Decide(0.45, T0.AddSeconds(2)).Emit);
        var escalated = gate.Decide(0.9, T0.AddSeconds(3));
        Assert.Equal(GateDecision.Certain, escalated.Decision);
        Assert.True(escalated.Emit);
        Assert.False(escalated.UploadClip);
        // Hysteresis: falling between low and high does not clear.
        Assert.False(gate.Decide(0.5, T0.AddSeconds(4)).Emit);
        var cleared = gate.Decide(0.2, T0.AddSeconds(5));
        Assert.Equal(GateDecision.Cleared, cleared.Decision);
        Assert.True(cleared.Emit);
        Assert.False(gate.Decide(0.1, T0.AddSeconds(6)).Emit);
    }

    [Fact]
    public void A_new_raise_within_the_cooldown_is_held_back_and_counted()
    {
        var gate = new GateDecider(0.4, 0.8, TimeSpan.FromSeconds(30), 100);
        Assert.True(gate.Decide(0.6, T0).Emit);
        Assert.True(gate.Decide(0.1, T0.AddSeconds(5)).Emit); // cleared
        var held = gate.Decide(0.6, T0.AddSeconds(10));
        Assert.False(held.Emit);
        Assert.Equal("cooldown", held.Suppressed);
        Assert.Equal(1, gate.SuppressedByCooldown);
        Assert.True(gate.Decide(0.6, T0.AddSeconds(31)).Emit);
    }

    [Fact]
    public void Clips_stop_at_the_hourly_cap_but_events_are_still_sent()
    {
        var gate = new GateDecider(0.4, 0.8, TimeSpan.Zero, maxUploadsPerHour: 2);
        var uploads = 0;
        for (var i = 0; i < 5; i++)
        {
            var raise = gate.Decide(0.6, T0.AddMinutes(i));
            Assert.True(raise.Emit);
            if (raise.UploadClip) uploads++;
            gate.Decide(0.1, T0.AddMinutes(i).AddSeconds(1));
        }
        Assert.Equal(2, uploads);
        Assert.Equal(3, gate.ClipsCapped);
        // An hour after the first uploads, the cap has room again.
        Assert.True(gate.Decide(0.6, T0.AddMinutes(61)).UploadClip);
    }
}
