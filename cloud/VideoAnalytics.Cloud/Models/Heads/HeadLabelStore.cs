using System.Text.Json;
using Npgsql;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Cloud.Models.Heads;

/// <summary>One labelled clip of a branch: its gate features and the label (staff decision over judge verdict).</summary>
public sealed record HeadLabel(string ClipId, string Source, string Site, string Camera, bool Fight, IReadOnlyDictionary<string, float> Features)
{
    /// <summary>Footage of one camera is one source group: held-out labels come from cameras the candidate never saw.</summary>
    public string Group => $"{Site}/{Camera}";
}

/// <summary>Reads the <c>labels</c> table (written by Alerts: staff decisions and confident judge verdicts) and the heads a branch runs now.</summary>
public sealed class HeadLabelStore(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<HeadLabel>> LabelsAsync(string branch, string rule, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            SELECT DISTINCT ON (clip_id) clip_id, source, site, camera, label, features::text
            FROM labels WHERE branch = $1 AND rule = $2 AND features IS NOT NULL
            ORDER BY clip_id, CASE source WHEN 'staff' THEN 0 ELSE 1 END, time_utc DESC
            """);
        cmd.Parameters.Add(new() { Value = branch });
        cmd.Parameters.Add(new() { Value = rule });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<HeadLabel>();
        while (await r.ReadAsync(ct))
        {
            Dictionary<string, float>? features;
            try { features = JsonSerializer.Deserialize<Dictionary<string, float>>(r.GetString(5)); }
            catch (JsonException) { continue; } // a label without readable features cannot train anything
            if (features is null) continue;
            rows.Add(new HeadLabel(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4) == "fight", features));
        }
        return rows;
    }

    /// <summary>The heads assignment that covers the branch as a whole (branch scope, else org), if any.</summary>
    public static ModelAssignment? CurrentAssignment(IEnumerable<ModelAssignment> active, string branch) =>
        active.Where(a => a.Kind == ModelKind.Heads && (a.Scope.Level == ScopeLevel.Org || (a.Scope.Level == ScopeLevel.Branch && a.Scope.Branch == branch)))
            .MaxBy(a => a.Scope.Level);
}
