using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VideoAnalytics.Cloud.Console.Alerts;
using VideoAnalytics.Cloud.Console.Clips;
using VideoAnalytics.Cloud.Console.Devices;
using VideoAnalytics.Cloud.Console.Http;
using VideoAnalytics.Cloud.Console.Users;

namespace VideoAnalytics.Cloud.Console;

/// <summary>
/// Maps the security console: pages under <c>/console</c> and its JSON API under <c>/api</c> (session, alerts and
/// their live stream, clip files, devices). Everything but sign-in and static assets needs a signed-in user.
/// </summary>
public static class ConsoleEndpoints
{
    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(ConsoleAuth.UserPolicy).AddEndpointFilter(NoStoreWithSecurityHeaders);
        SessionEndpoints.Map(api);
        AlertStreamEndpoint.Map(api);
        AlertEndpoints.Map(api);
        ClipFileEndpoints.Map(api);
        DeviceEndpoints.Map(api);

        var pages = app.MapGroup("/console").RequireAuthorization(ConsoleAuth.UserPolicy).AddEndpointFilter(NoStoreWithSecurityHeaders);
        PageEndpoints.Map(pages);
        return app;
    }

    /// <summary>API replies and pages are not cached unless an endpoint says otherwise (clip files, assets).</summary>
    private static ValueTask<object?> NoStoreWithSecurityHeaders(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var response = context.HttpContext.Response;
        ConsoleHttp.AddSecurityHeaders(response);
        response.Headers.CacheControl = "no-store";
        return next(context);
    }
}
