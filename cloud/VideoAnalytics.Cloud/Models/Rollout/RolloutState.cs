using System.Text.Json.Serialization;

namespace VideoAnalytics.Cloud.Models.Rollout;

[GenerateSerializer]
public enum RolloutPhase { Canary, Full, Completed, RolledBack }

/// <summary>The persisted state of one rollout; plain data, driven by <see cref="RolloutStateMachine"/>.</summary>
[GenerateSerializer]
public sealed class RolloutState
{
    [Id(0)] public RolloutSpec? Spec { get; set; }
    [Id(1)] public RolloutPhase Phase { get; set; }
    /// <summary>Targeted devices in release order: the canary subset first.</summary>
    [Id(2)] public List<string> Order { get; set; } = [];
    [Id(3)] public int CanaryCount { get; set; }
    /// <summary>How many devices of <see cref="Order"/> were given the new version.</summary>
    [Id(4)] public int Released { get; set; }
    /// <summary>
    /// Released devices and how far each got. Not part of the stored grain state (thousands of devices, a change per
    /// report): each change is one row of <c>model_rollout_progress</c>, read back by <see cref="RolloutStateMachine.RestoreProgress"/>.
    /// </summary>
    [Id(5), JsonIgnore] public Dictionary<string, DeviceProgress> Progress { get; set; } = [];
    [Id(6)] public string? Reason { get; set; }
    /// <summary>Side effects decided but not yet confirmed applied; re-applied after a silo restart.</summary>
    [Id(7)] public RolloutStep? Pending { get; set; }
    /// <summary>When the canary must have reported (null: no deadline, or past the canary phase).</summary>
    [Id(8)] public DateTimeOffset? CanaryDeadlineUtc { get; set; }
}
