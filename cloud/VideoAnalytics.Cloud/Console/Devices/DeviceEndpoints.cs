using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Npgsql;
using VideoAnalytics.Cloud.Console.Users;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Console.Devices;

/// <summary>A device as the status page shows it. <see cref="Stale"/>: its last status is older than the configured limit.</summary>
public sealed record DeviceView(DeviceStatus Status, DateTimeOffset ReceivedUtc, bool Stale);

/// <summary>The branches and sites a user may filter by.</summary>
public sealed record ScopeView(UserView User, IReadOnlyList<string> Branches, IReadOnlyList<SiteView> Sites);

public sealed record SiteView(string Branch, string Site);

/// <summary><c>GET /api/devices?branch=&amp;site=</c> (device and camera status) and <c>GET /api/scope</c> (filter choices).</summary>
internal static class DeviceEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/devices", ListAsync);
        api.MapGet("/scope", ScopeAsync);
    }

    private static Task<IResult> ListAsync(HttpContext http, DeviceStatusStore store, IOptions<ConsoleOptions> options, TimeProvider time,
        string? branch, string? site, CancellationToken ct) =>
        CurrentUser.ReplyAsync(http, async user =>
        {
            if (!CurrentUser.TryScope(user, branch, site, out var scope, out var error)) return error!;
            var staleBefore = time.GetUtcNow().AddSeconds(-options.Value.DeviceStaleSeconds);
            var devices = await store.ListAsync(scope.Branch, scope.Site, ct);
            var views = devices.Select(d => new DeviceView(d.Status, d.ReceivedUtc, d.ReceivedUtc < staleBefore)).ToList();
            return TypedResults.Json(views, ConsoleJsonContext.Default.ListDeviceView);
        });

    /// <summary>Sites known from devices and alerts, limited to the user's branch for staff.</summary>
    private static Task<IResult> ScopeAsync(HttpContext http, NpgsqlDataSource dataSource, CancellationToken ct) =>
        CurrentUser.ReplyAsync(http, async user =>
        {
            await using var cmd = dataSource.CreateCommand(
                "SELECT branch, site FROM (SELECT branch, site FROM device_status UNION SELECT DISTINCT branch, site FROM alerts) s " +
                "WHERE (@branch::text IS NULL OR branch = @branch::text) ORDER BY branch, site LIMIT 5000");
            cmd.Parameters.Add(new NpgsqlParameter<string?>("branch", user.BranchLimit));
            var sites = new List<SiteView>();
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct)) sites.Add(new SiteView(reader.GetString(0), reader.GetString(1)));
            }
            var branches = sites.Select(s => s.Branch).Distinct().ToList();
            if (user.BranchLimit is { } own && !branches.Contains(own)) branches.Insert(0, own);
            return TypedResults.Json(new ScopeView(UserView.Of(user), branches, sites), ConsoleJsonContext.Default.ScopeView);
        });
}
