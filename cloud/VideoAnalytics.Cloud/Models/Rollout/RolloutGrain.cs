namespace VideoAnalytics.Cloud.Models.Rollout;

/// <summary>
/// Drives <see cref="RolloutStateMachine"/>: persists each decision before carrying it out, and carries out what a
/// crash left undone when it is activated again, so a rollout survives silo restarts. A device's progress is one row of
/// its own (<see cref="ModelRegistryStore.UpsertRolloutProgressAsync"/>); the grain state is written only when the
/// rollout changes phase or has devices to move, so a report costs one small write however many devices there are.
/// </summary>
public sealed class RolloutGrain(
    [PersistentState("rollout")] IPersistentState<RolloutState> state,
    RolloutCoordinator coordinator,
    ModelRegistryStore store,
    ILogger<RolloutGrain> logger) : Grain, IRolloutGrain
{
    private IGrainTimer? _canaryTimer;

    public override async Task OnActivateAsync(CancellationToken ct)
    {
        if (state.State.Spec is not { } spec) return;
        RolloutStateMachine.RestoreProgress(state.State, await store.RolloutProgressAsync(spec.RolloutId, ct), DateTimeOffset.UtcNow);
        if (state.State.Pending is { } pending)
        {
            logger.LogInformation("Rollout {RolloutId}: re-applying {Release} releases and {Restore} restores left by a restart", spec.RolloutId, pending.Release.Count, pending.Restore.Count);
            await ApplyAsync(spec, pending, ct);
        }
        // A restart between recording a device's report and deciding on it: decide now.
        var before = state.State.Phase;
        await DecideAsync(RolloutStateMachine.Evaluate(state.State, DateTimeOffset.UtcNow), before);
        ArmCanaryDeadline();
    }

    /// <summary>
    /// A timer for the canary deadline, kept from idle collection. It lives with the activation: after a silo restart it
    /// is armed again when the grain is next activated, by a device report or by <see cref="CanaryDeadlineWatch"/>, which
    /// finds passed deadlines in <c>model_assignments</c>.
    /// </summary>
    private void ArmCanaryDeadline()
    {
        _canaryTimer?.Dispose();
        _canaryTimer = null;
        if (state.State.Phase != RolloutPhase.Canary || state.State.CanaryDeadlineUtc is not { } deadline) return;
        var due = deadline - DateTimeOffset.UtcNow;
        _canaryTimer = this.RegisterGrainTimer(OnCanaryDeadlineAsync,
            new GrainTimerCreationOptions(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private async Task OnCanaryDeadlineAsync(CancellationToken ct)
    {
        var before = state.State.Phase;
        await DecideAsync(RolloutStateMachine.OnCanaryDeadline(state.State, DateTimeOffset.UtcNow), before);
        // A timer that fired a moment early decided nothing: arm it again for the rest.
        if (state.State.Phase == RolloutPhase.Canary) ArmCanaryDeadline();
    }

    public Task CheckCanaryDeadlineAsync() => state.State.Spec is null ? Task.CompletedTask : OnCanaryDeadlineAsync(CancellationToken.None);

    public async Task<RolloutSummary> StartAsync(RolloutSpec spec)
    {
        var step = RolloutStateMachine.Start(state.State, spec);
        logger.LogInformation("Rollout {RolloutId}: {Model} over {Scope}: {Devices} devices, {Canary} canary", spec.RolloutId, $"{spec.Name}@{spec.Version}", spec.Scope, state.State.Order.Count, state.State.CanaryCount);
        await DecideAsync(step, RolloutPhase.Canary);
        // A new assignment row has no deadline; only a canary sets one (DecideAsync clears it when the canary ends).
        if (state.State.CanaryDeadlineUtc is { } deadline) await store.SetCanaryDeadlineAsync(spec.RolloutId, deadline, CancellationToken.None);
        ArmCanaryDeadline();
        return Summary();
    }

    public async Task OnReportedAsync(DeviceReport report)
    {
        if (state.State.Spec is not { } spec) return;
        var before = state.State.Phase;
        state.State.Progress.TryGetValue(report.Device, out var progressBefore);
        var step = RolloutStateMachine.OnReported(state.State, report);
        if (state.State.Progress.TryGetValue(report.Device, out var progress) && progress != progressBefore)
            await store.UpsertRolloutProgressAsync(spec.RolloutId, report.Device, progress, CancellationToken.None);
        await DecideAsync(step, before);
    }

    public async Task<RolloutSummary?> RollbackAsync(string reason, string actor)
    {
        if (state.State.Spec is null) return null;
        var before = state.State.Phase;
        await DecideAsync(RolloutStateMachine.Rollback(state.State, $"{reason} (by {actor})"), before, actor);
        return Summary();
    }

    public Task<RolloutSummary?> GetAsync() => Task.FromResult(state.State.Spec is null ? null : Summary());

    /// <summary>Applies a step; a phase change is audited as done by <paramref name="actor"/> (the rollout itself unless an admin asked).</summary>
    private async Task DecideAsync(RolloutStep step, RolloutPhase before, string actor = "rollout")
    {
        var spec = state.State.Spec!;
        if (step.IsEmpty && state.State.Phase == before) return;
        state.State.Pending = step.IsEmpty ? null : step;
        await state.WriteStateAsync();
        if (state.State.Phase != before)
        {
            // Past the canary of an assignment that stays active (released to all): nothing left for the watch.
            if (before == RolloutPhase.Canary && state.State.Phase == RolloutPhase.Full) await store.SetCanaryDeadlineAsync(spec.RolloutId, null, CancellationToken.None);
            logger.LogInformation("Rollout {RolloutId}: {From} → {To} {Reason}", spec.RolloutId, before, state.State.Phase, state.State.Reason);
            if (state.State.Phase == RolloutPhase.RolledBack)
                await store.MarkRolledBackAsync(spec.RolloutId, actor, state.State.Reason ?? "rolled back", CancellationToken.None);
            else
                await store.AuditAsync(actor, state.State.Phase == RolloutPhase.Completed ? "completed" : "advanced", $"rollout {spec.RolloutId}: {state.State.Phase}", CancellationToken.None);
        }
        if (!step.IsEmpty) await ApplyAsync(spec, step, CancellationToken.None);
    }

    private async Task ApplyAsync(RolloutSpec spec, RolloutStep step, CancellationToken ct)
    {
        await coordinator.ApplyAsync(spec, step, ct);
        state.State.Pending = null;
        await state.WriteStateAsync(ct);
    }

    private RolloutSummary Summary()
    {
        var s = state.State;
        var spec = s.Spec!;
        return new RolloutSummary(spec.RolloutId, spec.Scope, spec.Kind, $"{spec.Name}@{spec.Version}", s.Phase.ToString().ToLowerInvariant(),
            s.Order.Count, s.CanaryCount, s.Released,
            s.Progress.Values.Count(p => p.State == DeviceProgress.Running), s.Progress.Values.Count(p => p.State == DeviceProgress.Failed), s.Reason);
    }
}
