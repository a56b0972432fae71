using VideoAnalytics.Cloud.Models.Rollout;

namespace VideoAnalytics.Cloud.Tests.Models;

public class RolloutStateMachineTests
{
    private static readonly DateTimeOffset T = DateTimeOffset.UtcNow;

    private static RolloutSpec Spec(int devices, int canary, int threshold = 10, TimeSpan canaryTimeout = default) => new(
        "20261123-180000-000-aaaaaaaaaa", "branch:north", "detector", "", "yolox-nano", "2.0", canary, threshold,
        [.. Enumerable.Range(0, devices).Select(i => $"north/s{i}/jetson-1")],
        Enumerable.Range(0, devices).ToDictionary(i => $"north/s{i}/jetson-1", _ => new PreviousTarget("yolox-nano", "1.0", "20261101-000000-000-bbbbbbbbbb")),
        canaryTimeout);

    private static DeviceReport Running(string device, string version = "2.0") => new(device, "running", [$"yolox-nano@{version}"], null, T);

    [Fact]
    public void The_canary_goes_first_and_the_rest_follow_once_it_is_healthy()
    {
        var state = new RolloutState();
        var first = RolloutStateMachine.Start(state, Spec(20, canary: 10));
        Assert.Equal(RolloutPhase.Canary, state.Phase);
        Assert.Equal(2, first.Release.Count);

        Assert.True(RolloutStateMachine.OnReported(state, Running(first.Release[0])).IsEmpty);
        Assert.True(RolloutStateMachine.OnReported(state, Running("north/s99/jetson-1")).IsEmpty); // not in this rollout
        var rest = RolloutStateMachine.OnReported(state, Running(first.Release[1]));
        Assert.Equal(RolloutPhase.Full, state.Phase);
        Assert.Equal(18, rest.Release.Count);
        Assert.Empty(rest.Release.Intersect(first.Release));

        foreach (var d in rest.Release) RolloutStateMachine.OnReported(state, Running(d));
        Assert.Equal(RolloutPhase.Completed, state.Phase);
    }

    [Fact]
    public void After_a_restart_stored_progress_is_restored_and_a_decision_left_undone_is_made()
    {
        var state = new RolloutState();
        var first = RolloutStateMachine.Start(state, Spec(20, canary: 10));
        // As read back from storage: the grain state has no progress; both canary devices had reported running.
        state.Progress = [];
        var stored = first.Release.ToDictionary(d => d, _ => new DeviceProgress(DeviceProgress.Running, null, T), StringComparer.Ordinal);
        RolloutStateMachine.RestoreProgress(state, stored, T);
        Assert.Equal(2, state.Progress.Count);

        var rest = RolloutStateMachine.Evaluate(state, T);
        Assert.Equal(RolloutPhase.Full, state.Phase);
        Assert.Equal(18, rest.Release.Count);
        // Released devices with no stored row have not reported yet.
        RolloutStateMachine.RestoreProgress(state, stored, T);
        Assert.Equal(18, state.Progress.Values.Count(p => p.State == DeviceProgress.Pending));
        Assert.True(RolloutStateMachine.Evaluate(state, T).IsEmpty);
    }

    [Fact]
    public void A_failing_canary_rolls_every_released_device_back()
    {
        var state = new RolloutState();
        var first = RolloutStateMachine.Start(state, Spec(20, canary: 10));
        RolloutStateMachine.OnReported(state, Running(first.Release[0]));
        var back = RolloutStateMachine.OnReported(state, new DeviceReport(first.Release[1], "failed", ["yolox-nano@1.0"], "self-test: output has NaN", T));
        Assert.Equal(RolloutPhase.RolledBack, state.Phase);
        Assert.Equal(first.Release.Order(), back.Restore.Order());
        Assert.Contains("self-test: output has NaN", state.Reason, StringComparison.Ordinal);
        Assert.True(RolloutStateMachine.OnReported(state, Running(first.Release[1])).IsEmpty);
    }

    [Fact]
    public void A_device_that_keeps_the_old_version_counts_as_failed()
    {
        var state = new RolloutState();
        var first = RolloutStateMachine.Start(state, Spec(1, canary: 0));
        var back = RolloutStateMachine.OnReported(state, Running(first.Release[0], version: "1.0"));
        Assert.Equal(RolloutPhase.RolledBack, state.Phase);
        Assert.Single(back.Restore);
    }

    [Fact]
    public void A_report_that_answers_an_earlier_rollout_does_not_fail_this_one()
    {
        var state = new RolloutState();
        var first = RolloutStateMachine.Start(state, Spec(1, canary: 0));
        var device = first.Release[0];
        // Sent for the previous rollout before the device saw ours: still the old version.
        Assert.True(RolloutStateMachine.OnReported(state, Running(device, version: "1.0") with { RolloutId = "20261101-000000-000-bbbbbbbbbb" }).IsEmpty);
        Assert.True(RolloutStateMachine.OnReported(state, new DeviceReport(device, "failed", [], "bad detector", T, "20261101-000000-000-bbbbbbbbbb")).IsEmpty);
        Assert.Equal(DeviceProgress.Pending, state.Progress[device].State);
        // Another rollout's desired state that already carries our version counts.
        RolloutStateMachine.OnReported(state, Running(device) with { RolloutId = "20261102-000000-000-cccccccccc" });
        Assert.Equal(RolloutPhase.Completed, state.Phase);
    }

    [Fact]
    public void An_answer_to_this_rollout_without_its_version_is_a_failure()
    {
        var state = new RolloutState();
        var first = RolloutStateMachine.Start(state, Spec(1, canary: 0));
        RolloutStateMachine.OnReported(state, Running(first.Release[0], version: "1.0") with { RolloutId = state.Spec!.RolloutId });
        Assert.Equal(RolloutPhase.RolledBack, state.Phase);
    }

    [Fact]
    public void Failures_under_the_threshold_do_not_stop_the_rollout()
    {
        var state = new RolloutState();
        var all = RolloutStateMachine.Start(state, Spec(20, canary: 0, threshold: 10));
        RolloutStateMachine.OnReported(state, new DeviceReport(all.Release[0], "failed", [], "download failed", T));
        RolloutStateMachine.OnReported(state, new DeviceReport(all.Release[1], "failed", [], "download failed", T));
        Assert.Equal(RolloutPhase.Full, state.Phase);
        var back = RolloutStateMachine.OnReported(state, new DeviceReport(all.Release[2], "failed", [], "download failed", T));
        Assert.Equal(RolloutPhase.RolledBack, state.Phase);
        Assert.Equal(20, back.Restore.Count);
    }

    [Fact]
    public void The_canary_subset_is_stable_for_a_rollout()
    {
        var a = RolloutStateMachine.Start(new RolloutState(), Spec(50, canary: 10));
        var b = RolloutStateMachine.Start(new RolloutState(), Spec(50, canary: 10));
        Assert.Equal(a.Release, b.Release);
        Assert.Equal(5, a.Release.Count);
    }

    [Fact]
    public void A_canary_that_stays_silent_past_its_deadline_is_rolled_back()
    {
        var state = new RolloutState();
        var first = RolloutStateMachine.Start(state, Spec(20, canary: 10, canaryTimeout: TimeSpan.FromMinutes(30)));
        RolloutStateMachine.OnReported(state, Running(first.Release[0])); // the other canary device never answers

        Assert.True(RolloutStateMachine.OnCanaryDeadline(state, DateTimeOffset.UtcNow.AddMinutes(29)).IsEmpty);
        Assert.Equal(RolloutPhase.Canary, state.Phase);
        var back = RolloutStateMachine.OnCanaryDeadline(state, DateTimeOffset.UtcNow.AddMinutes(31));

        Assert.Equal(RolloutPhase.RolledBack, state.Phase);
        Assert.Equal(first.Release.Order(), back.Restore.Order());
        Assert.Contains("1 of 2 canary devices did not report", state.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_canary_within_the_threshold_at_its_deadline_releases_the_rest()
    {
        var state = new RolloutState();
        var first = RolloutStateMachine.Start(state, Spec(100, canary: 20, threshold: 10, canaryTimeout: TimeSpan.FromMinutes(30)));
        foreach (var d in first.Release.Skip(1)) RolloutStateMachine.OnReported(state, Running(d)); // 19 of 20 healthy, one silent

        var rest = RolloutStateMachine.OnCanaryDeadline(state, DateTimeOffset.UtcNow.AddMinutes(31));

        Assert.Equal(RolloutPhase.Full, state.Phase);
        Assert.Equal(80, rest.Release.Count);
        Assert.Null(state.CanaryDeadlineUtc);
    }

    [Fact]
    public void Without_a_canary_timeout_there_is_no_deadline()
    {
        var state = new RolloutState();
        RolloutStateMachine.Start(state, Spec(20, canary: 10));
        Assert.Null(state.CanaryDeadlineUtc);
        Assert.True(RolloutStateMachine.OnCanaryDeadline(state, DateTimeOffset.UtcNow.AddYears(1)).IsEmpty);
        Assert.Equal(RolloutPhase.Canary, state.Phase);
    }
}
