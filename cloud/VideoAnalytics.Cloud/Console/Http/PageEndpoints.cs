using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VideoAnalytics.Cloud.Console.Alerts;
using VideoAnalytics.Cloud.Console.Users;
using VideoAnalytics.Contracts.Identity;

namespace VideoAnalytics.Cloud.Console.Http;

/// <summary>
/// The console's pages under <c>/console</c>. Pages need a signed-in user (else a redirect to the sign-in page); the
/// alert page also checks the alert's branch on the server, so another branch's alert is 404 even as a page.
/// </summary>
internal static class PageEndpoints
{
    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("", () => TypedResults.Redirect("/console/alerts"));
        pages.MapGet("/signin", (HttpContext http, ConsoleWebAssets web) => web.Page(http, "signin.html")).AllowAnonymous();
        pages.MapGet("/assets/{name}", (HttpContext http, ConsoleWebAssets web, string name) => web.Static(http, name)).AllowAnonymous();
        pages.MapGet("/alerts", (HttpContext http, ConsoleWebAssets web) => web.Page(http, "alerts.html"));
        pages.MapGet("/devices", (HttpContext http, ConsoleWebAssets web) => web.Page(http, "devices.html"));
        pages.MapGet("/alerts/{alertId}", AlertPageAsync);
    }

    private static Task<IResult> AlertPageAsync(HttpContext http, ConsoleWebAssets web, AlertQueries queries, string alertId, CancellationToken ct) =>
        CurrentUser.ReplyAsync(http, async user =>
        {
            if (!ClipIds.IsValid(alertId)) return TypedResults.Text("Not a valid alert id.", statusCode: StatusCodes.Status400BadRequest);
            if (await queries.FindAsync(alertId, user.BranchLimit, ct) is null)
                return TypedResults.Text("Alert not found.", statusCode: StatusCodes.Status404NotFound);
            return web.Page(http, "alert.html");
        });
}
