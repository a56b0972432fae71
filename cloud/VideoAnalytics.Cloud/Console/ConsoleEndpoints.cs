using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Npgsql;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Cloud.Console.Alerts;
using VideoAnalytics.Cloud.Console.Clips;
using VideoAnalytics.Cloud.Console.Devices;
using VideoAnalytics.Cloud.Console.Http;
using VideoAnalytics.Cloud.Console.Users;
using VideoAnalytics.Cloud.Hosting.Security;
using VideoAnalytics.Cloud.Storage;

namespace VideoAnalytics.Cloud.Console;

/// <summary>
/// Maps the security console: pages under <c>/console</c> and its JSON API under <c>/api</c> (session, alerts and
/// their live stream, clip files, devices). Everything but sign-in and static assets needs a signed-in user.
/// </summary>
public static class ConsoleEndpoints
{
    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        RequireHostServices(app.ServiceProvider);
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

    /// <summary>The console runs on the host's alerts, feed, database and clip store: missing ones stop start-up, named.</summary>
    private static void RequireHostServices(IServiceProvider services)
    {
        var isService = services.GetRequiredService<IServiceProviderIsService>();
        (Type Type, string From)[] needed =
        [
            (typeof(ConsoleWebAssets), "services.AddConsole(configuration)"),
            (typeof(NpgsqlDataSource), "builder.AddCloud()"),
            (typeof(IAlertService), "builder.AddCloud()"),
            (typeof(IAlertFeed), "services.AddAlerts(configuration)"),
            (typeof(IClipStore), "services.AddIngest(configuration)"),
            (typeof(IConfigureOptions<HttpLimitsOptions>), "builder.AddCloud()"),
        ];
        foreach (var (type, from) in needed)
        {
            if (!isService.IsService(type)) throw new InvalidOperationException($"MapConsole needs {type.Name}: call {from} before building the host.");
        }
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
