using System.Security.Cryptography;
using System.Text;

namespace VideoAnalytics.Cloud.Models.Rollout;

/// <summary>What a targeted device ran before the rollout, restored on rollback (null name: nothing was assigned).</summary>
[GenerateSerializer, Immutable]
public sealed record PreviousTarget([property: Id(0)] string? Name, [property: Id(1)] string? Version, [property: Id(2)] string? RolloutId);

/// <summary>How far one targeted device got.</summary>
[GenerateSerializer, Immutable]
public sealed record DeviceProgress([property: Id(0)] string State, [property: Id(1)] string? Error, [property: Id(2)] DateTimeOffset TimeUtc)
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Failed = "failed";
}

/// <summary>A new rollout: one model version for one kind over the devices of one scope.</summary>
[GenerateSerializer, Immutable]
public sealed record RolloutSpec(
    [property: Id(0)] string RolloutId,
    [property: Id(1)] string Scope,
    [property: Id(2)] string Kind,
    [property: Id(3)] string Camera,
    [property: Id(4)] string Name,
    [property: Id(5)] string Version,
    [property: Id(6)] int CanaryPercent,
    [property: Id(7)] int FailureThresholdPercent,
    [property: Id(8)] IReadOnlyList<string> Devices,
    [property: Id(9)] IReadOnlyDictionary<string, PreviousTarget> Previous,
    [property: Id(10)] TimeSpan CanaryTimeout = default);

/// <summary>
/// A device's <c>models/reported</c>, reduced to what a rollout decides on. <see cref="RolloutId"/> is the rollout
/// whose desired state the device was answering (null from devices that do not say).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DeviceReport(
    [property: Id(0)] string Device,
    [property: Id(1)] string State,
    [property: Id(2)] IReadOnlyList<string> Running,
    [property: Id(3)] string? Error,
    [property: Id(4)] DateTimeOffset TimeUtc,
    [property: Id(5)] string? RolloutId = null)
{
    /// <summary>The key used in <see cref="DeviceReport.Running"/>: a model that runs healthy.</summary>
    public static string Healthy(string name, string version) => $"{name}@{version}";
}

/// <summary>Devices to give the new version, and devices to put back on what they ran before.</summary>
[GenerateSerializer, Immutable]
public sealed record RolloutStep([property: Id(0)] IReadOnlyList<string> Release, [property: Id(1)] IReadOnlyList<string> Restore)
{
    public static readonly RolloutStep None = new([], []);

    public bool IsEmpty => Release.Count == 0 && Restore.Count == 0;
}

/// <summary>
/// The rollout decisions, free of I/O: canary subset first (a stable pseudo-random spread of the scope), the rest once
/// every canary device runs the new version healthy, and back to the previous version for every released device once
/// failures pass the threshold (percent of released devices). A canary that has not reported by its deadline counts
/// its silent devices as failures, so a rollout never waits forever on devices that went offline.
/// </summary>
public static class RolloutStateMachine
{
    public static RolloutStep Start(RolloutState state, RolloutSpec spec)
    {
        state.Spec = spec;
        state.Reason = null;
        state.Order = [.. spec.Devices.Distinct(StringComparer.Ordinal).OrderBy(d => SpreadKey(spec.RolloutId, d), StringComparer.Ordinal)];
        var n = state.Order.Count;
        state.CanaryCount = spec.CanaryPercent is > 0 and < 100 ? Math.Clamp((int)Math.Ceiling(n * spec.CanaryPercent / 100.0), 1, n) : n;
        state.Released = state.CanaryCount;
        state.Progress = state.Order.Take(state.Released).ToDictionary(d => d, _ => new DeviceProgress(DeviceProgress.Pending, null, DateTimeOffset.UtcNow), StringComparer.Ordinal);
        state.Phase = n == 0 ? RolloutPhase.Completed : state.CanaryCount < n ? RolloutPhase.Canary : RolloutPhase.Full;
        state.CanaryDeadlineUtc = state.Phase == RolloutPhase.Canary && spec.CanaryTimeout > TimeSpan.Zero ? DateTimeOffset.UtcNow + spec.CanaryTimeout : null;
        return new RolloutStep([.. state.Order.Take(state.Released)], []);
    }

    public static RolloutStep OnReported(RolloutState state, DeviceReport report)
    {
        if (state.Spec is not { } spec || state.Phase is RolloutPhase.RolledBack || !state.Progress.ContainsKey(report.Device)) return RolloutStep.None;
        var runsOurs = report.State == "running" && report.Running.Contains(DeviceReport.Healthy(spec.Name, spec.Version));
        // A report that answers an earlier desired state (it crossed our release on the wire) says nothing about this
        // version unless it already shows it running.
        if (!runsOurs && report.RolloutId is { } answered && answered != spec.RolloutId) return RolloutStep.None;
        var progress = report.State switch
        {
            "failed" => DeviceProgress.Failed,
            "running" when runsOurs => DeviceProgress.Running,
            "running" => DeviceProgress.Failed,
            _ => DeviceProgress.Pending,
        };
        // A device that runs something else after saying "running" kept (or fell back to) an older model: a failure.
        var error = progress == DeviceProgress.Failed ? report.Error ?? $"runs {string.Join(", ", report.Running)} instead of {spec.Name}@{spec.Version}" : null;
        state.Progress[report.Device] = new DeviceProgress(progress, error, report.TimeUtc);
        return Evaluate(state, report.TimeUtc);
    }

    /// <summary>
    /// Puts back what a stored rollout knew about its devices: released devices without a row have not reported. The
    /// grain then calls <see cref="Evaluate"/>, in case a restart fell between recording a report and deciding on it.
    /// </summary>
    public static void RestoreProgress(RolloutState state, IReadOnlyDictionary<string, DeviceProgress> reported, DateTimeOffset now)
    {
        state.Progress = new Dictionary<string, DeviceProgress>(StringComparer.Ordinal);
        foreach (var device in state.Order.Take(state.Released))
            state.Progress[device] = reported.TryGetValue(device, out var p) ? p : new DeviceProgress(DeviceProgress.Pending, null, now);
    }

    /// <summary>The decision the released devices' progress calls for: roll back past the failure threshold, release the rest after a healthy canary, complete.</summary>
    public static RolloutStep Evaluate(RolloutState state, DateTimeOffset now)
    {
        if (state.Spec is not { } spec || state.Phase is RolloutPhase.RolledBack or RolloutPhase.Completed) return RolloutStep.None;
        var failed = state.Progress.Values.Count(p => p.State == DeviceProgress.Failed);
        if (failed > 0 && failed * 100 > spec.FailureThresholdPercent * state.Released)
        {
            var example = state.Progress.Where(p => p.Value.State == DeviceProgress.Failed).MaxBy(p => p.Value.TimeUtc);
            return Rollback(state, $"{failed} of {state.Released} devices failed (threshold {spec.FailureThresholdPercent}%), e.g. {example.Key}: {example.Value.Error}");
        }

        var allRunning = state.Progress.Values.All(p => p.State == DeviceProgress.Running);
        if (state.Phase == RolloutPhase.Canary && allRunning) return ReleaseTheRest(state, now);
        if (state.Phase == RolloutPhase.Full && allRunning) state.Phase = RolloutPhase.Completed;
        return RolloutStep.None;
    }

    /// <summary>At the canary deadline: silent canary devices count as failed; within the threshold the rest follow.</summary>
    public static RolloutStep OnCanaryDeadline(RolloutState state, DateTimeOffset now)
    {
        if (state.Spec is not { } spec || state.Phase != RolloutPhase.Canary || state.CanaryDeadlineUtc is not { } deadline || now < deadline)
            return RolloutStep.None;
        var failed = state.Progress.Values.Count(p => p.State == DeviceProgress.Failed);
        var silent = state.Progress.Values.Count(p => p.State == DeviceProgress.Pending);
        if ((failed + silent) * 100 > spec.FailureThresholdPercent * state.Released)
            return Rollback(state, $"canary deadline ({spec.CanaryTimeout}) passed: {silent} of {state.Released} canary devices did not report, {failed} failed (threshold {spec.FailureThresholdPercent}%)");
        return ReleaseTheRest(state, now);
    }

    private static RolloutStep ReleaseTheRest(RolloutState state, DateTimeOffset now)
    {
        var rest = state.Order.Skip(state.Released).ToList();
        foreach (var d in rest) state.Progress[d] = new DeviceProgress(DeviceProgress.Pending, null, now);
        state.Released = state.Order.Count;
        state.Phase = RolloutPhase.Full;
        state.CanaryDeadlineUtc = null;
        return new RolloutStep(rest, []);
    }

    public static RolloutStep Rollback(RolloutState state, string reason)
    {
        if (state.Phase == RolloutPhase.RolledBack) return RolloutStep.None;
        state.Phase = RolloutPhase.RolledBack;
        state.Reason = reason;
        return new RolloutStep([], [.. state.Order.Take(state.Released)]);
    }

    private static string SpreadKey(string rolloutId, string device) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rolloutId + "|" + device)));
}
