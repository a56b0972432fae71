using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Cloud.Models;

public enum ScopeLevel { Org = 0, Branch = 1, Site = 2, Camera = 3 }

/// <summary>
/// Where an assignment applies: <c>org</c>, <c>branch:&lt;b&gt;</c>, <c>site:&lt;b&gt;/&lt;s&gt;</c> or
/// <c>camera:&lt;b&gt;/&lt;s&gt;/&lt;device&gt;/&lt;camera&gt;</c>. More specific levels win (ARCHITECTURE §2).
/// </summary>
public sealed record ModelScope(ScopeLevel Level, string? Branch, string? Site, string? Device, string? Camera)
{
    public static readonly ModelScope Org = new(ScopeLevel.Org, null, null, null, null);

    public const string Syntax = "org | branch:<branch> | site:<branch>/<site> | camera:<branch>/<site>/<device>/<camera>";

    public static bool TryParse(string? text, out ModelScope scope, out string error)
    {
        scope = Org;
        error = "";
        if (text == "org") return true;
        var colon = text?.IndexOf(':') ?? -1;
        if (text is null || colon < 0) { error = $"scope '{text}' is not one of {Syntax}"; return false; }
        var parts = text[(colon + 1)..].Split('/');
        var level = text[..colon] switch
        {
            "branch" when parts.Length == 1 => ScopeLevel.Branch,
            "site" when parts.Length == 2 => ScopeLevel.Site,
            "camera" when parts.Length == 4 => ScopeLevel.Camera,
            _ => (ScopeLevel?)null,
        };
        if (level is null) { error = $"scope '{text}' is not one of {Syntax}"; return false; }
        if (parts.FirstOrDefault(p => !Slug.IsValid(p)) is { } bad) { error = $"scope '{text}': '{bad}' is not a valid id"; return false; }
        scope = new ModelScope(level.Value, parts[0], parts.ElementAtOrDefault(1), parts.ElementAtOrDefault(2), parts.ElementAtOrDefault(3));
        return true;
    }

    public static ModelScope Parse(string text) =>
        TryParse(text, out var s, out var error) ? s : throw new ArgumentException(error, nameof(text));

    /// <summary>Whether this scope covers the device (for a camera scope: the device of that camera).</summary>
    public bool Covers(DeviceId d) => Level switch
    {
        ScopeLevel.Org => true,
        ScopeLevel.Branch => Branch == d.Branch,
        ScopeLevel.Site => Branch == d.Branch && Site == d.Site,
        _ => Branch == d.Branch && Site == d.Site && Device == d.Device,
    };

    public override string ToString() => Level switch
    {
        ScopeLevel.Org => "org",
        ScopeLevel.Branch => $"branch:{Branch}",
        ScopeLevel.Site => $"site:{Branch}/{Site}",
        _ => $"camera:{Branch}/{Site}/{Device}/{Camera}",
    };
}

/// <summary>An active assignment: this model version for this kind in this scope, rolled out by <paramref name="RolloutId"/>.</summary>
public sealed record ModelAssignment(string RolloutId, ModelScope Scope, ModelKind Kind, string Name, string Version);

/// <summary>What one device (camera "" = all cameras) must run for one kind, and which assignment decided it.</summary>
public sealed record ResolvedTarget(string Camera, ModelKind Kind, string Name, string Version, string RolloutId);

/// <summary>Most-specific-first resolution: camera &gt; site &gt; branch &gt; org default, separately per model kind.</summary>
public static class ScopeResolution
{
    public static IReadOnlyList<ResolvedTarget> Resolve(IEnumerable<ModelAssignment> active, DeviceId device)
    {
        var covering = active.Where(a => a.Scope.Covers(device)).ToList();
        var result = new List<ResolvedTarget>();
        foreach (var byKind in covering.GroupBy(a => a.Kind).OrderBy(g => g.Key))
        {
            var deviceWide = byKind.Where(a => a.Scope.Level != ScopeLevel.Camera).MaxBy(a => a.Scope.Level);
            if (deviceWide is not null) result.Add(new ResolvedTarget("", byKind.Key, deviceWide.Name, deviceWide.Version, deviceWide.RolloutId));
            foreach (var cam in byKind.Where(a => a.Scope.Level == ScopeLevel.Camera).OrderBy(a => a.Scope.Camera, StringComparer.Ordinal))
                result.Add(new ResolvedTarget(cam.Scope.Camera!, byKind.Key, cam.Name, cam.Version, cam.RolloutId));
        }
        return result;
    }
}
