using Microsoft.Extensions.Options;
using VideoAnalytics.Cloud.Models.Rollout;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Cloud.Models;

public sealed record AssignRequest(string Scope, string Name, string Version, int CanaryPercent = 0);

public sealed record RollbackRequest(string Scope, string? Kind = null);

public sealed record ModelsStatus(IReadOnlyList<RolloutSummary> Rollouts, IReadOnlyList<DeviceModelStatus> Devices);

/// <summary>Assign (push) a version to a scope, roll a scope back, and report status; rollouts run in <see cref="IRolloutGrain"/>.</summary>
public sealed class ModelRollouts(ModelRegistryStore store, IGrainFactory grains, IOptions<ModelRegistryOptions> options)
{
    public async Task<(RolloutSummary? Summary, string? Error)> AssignAsync(AssignRequest request, string actor, CancellationToken ct)
    {
        if (!ModelScope.TryParse(request.Scope, out var scope, out var error)) return (null, error);
        if (request.CanaryPercent is < 0 or > 100) return (null, $"canary {request.CanaryPercent}% is outside 0-100");
        if (await store.ManifestAsync(request.Name, request.Version, ct) is not { } registered)
            return (null, $"{request.Name}@{request.Version} is not registered: push the package first (va models push DIR)");

        var kind = registered.Kind;
        var assignment = new ModelAssignment(ClipIds.New(DateTimeOffset.UtcNow), scope, kind, request.Name, request.Version);
        var active = (await store.ActiveAssignmentsAsync(ct)).Where(a => !(a.Scope == scope && a.Kind == kind)).Append(assignment).ToList();
        var camera = scope.Camera ?? "";
        var current = await store.TargetsAsync(kind, camera, ct);
        var devices = new List<string>();
        var previous = new Dictionary<string, PreviousTarget>(StringComparer.Ordinal);
        foreach (var d in await store.DevicesAsync(ct))
        {
            if (!scope.Covers(d)) continue;
            // Only devices for which this scope is the most specific assignment of the kind take part.
            if (!ScopeResolution.Resolve(active, d).Any(t => t.RolloutId == assignment.RolloutId && t.Camera == camera)) continue;
            var key = RolloutCoordinator.DeviceKey(d);
            devices.Add(key);
            previous[key] = current.TryGetValue(key, out var p) ? new PreviousTarget(p.Name, p.Version, p.RolloutId) : new PreviousTarget(null, null, null);
        }
        await store.InsertAssignmentAsync(assignment, request.CanaryPercent, actor, ct);
        var spec = new RolloutSpec(assignment.RolloutId, scope.ToString(), ModelRegistryStore.KindName(kind), camera, request.Name, request.Version,
            request.CanaryPercent, options.Value.FailureThresholdPercent, devices, previous, options.Value.CanaryTimeout);
        return (await Grain(scope, kind).StartAsync(spec), null);
    }

    public async Task<(IReadOnlyList<RolloutSummary> RolledBack, string? Error)> RollbackAsync(RollbackRequest request, string actor, CancellationToken ct)
    {
        if (!ModelScope.TryParse(request.Scope, out var scope, out var error)) return ([], error);
        ModelKind? kind = null;
        if (request.Kind is not null)
        {
            if (!Enum.TryParse<ModelKind>(request.Kind, ignoreCase: true, out var k)) return ([], $"kind '{request.Kind}' is not one of detector, encoder, heads, pose");
            kind = k;
        }
        var targets = (await store.ActiveAssignmentsAsync(ct)).Where(a => a.Scope == scope && (kind is null || a.Kind == kind)).ToList();
        if (targets.Count == 0) return ([], $"nothing is assigned at scope {scope}{(kind is null ? "" : $" for kind {request.Kind}")}: see va models status");
        var done = new List<RolloutSummary>();
        foreach (var a in targets)
        {
            if (await Grain(a.Scope, a.Kind).RollbackAsync("manual rollback", actor) is { } s) done.Add(s);
        }
        return (done, null);
    }

    public async Task<(ModelsStatus? Status, string? Error)> StatusAsync(string? scopeText, CancellationToken ct)
    {
        ModelScope? scope = null;
        if (scopeText is not null)
        {
            if (!ModelScope.TryParse(scopeText, out var s, out var error)) return (null, error);
            scope = s;
        }
        var rollouts = new List<RolloutSummary>();
        foreach (var a in (await store.ActiveAssignmentsAsync(ct)).Where(a => scope is null || a.Scope == scope).OrderBy(a => a.Scope.ToString(), StringComparer.Ordinal))
        {
            if (await Grain(a.Scope, a.Kind).GetAsync() is { } summary) rollouts.Add(summary);
        }
        return (new ModelsStatus(rollouts, await store.StatusAsync(scope, ct)), null);
    }

    private IRolloutGrain Grain(ModelScope scope, ModelKind kind) => grains.GetGrain<IRolloutGrain>(IRolloutGrain.KeyOf(scope, ModelRegistryStore.KindName(kind)));
}
