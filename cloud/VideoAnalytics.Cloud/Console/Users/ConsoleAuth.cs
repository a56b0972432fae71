using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;

namespace VideoAnalytics.Cloud.Console.Users;

/// <summary>The console's cookie scheme and policy, and the checks run on every request that carries the cookie.</summary>
public static class ConsoleAuth
{
    public const string Scheme = "va-console";
    public const string UserPolicy = "va-console-user";
    public const string CookieName = "va_console";
    public const string SignInPath = "/console/signin";

    /// <summary>API calls get status codes; pages get a redirect to the sign-in page.</summary>
    public static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api", StringComparison.Ordinal);

    public static CookieAuthenticationEvents Events() => new()
    {
        OnValidatePrincipal = ValidateAgainstStoreAsync,
        OnRedirectToLogin = context =>
        {
            if (IsApi(context.Request)) context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            else context.Response.Redirect(context.RedirectUri);
            return Task.CompletedTask;
        },
        OnRedirectToAccessDenied = context =>
        {
            if (IsApi(context.Request)) context.Response.StatusCode = StatusCodes.Status403Forbidden;
            else context.Response.Redirect(context.RedirectUri);
            return Task.CompletedTask;
        },
    };

    /// <summary>
    /// A cookie stays good only while its user still exists, is enabled, has the same role and branch and the same
    /// password: removing a user or changing their password ends their sessions at once.
    /// </summary>
    private static async Task ValidateAgainstStoreAsync(CookieValidatePrincipalContext context)
    {
        var fromCookie = context.Principal is { } p ? ConsoleUser.From(p) : null;
        var stamp = context.Principal?.FindFirst(ConsoleUser.StampClaim)?.Value;
        var store = context.HttpContext.RequestServices.GetRequiredService<ConsoleUserStore>();
        var stored = fromCookie is null ? null : await store.FindAsync(fromCookie.Name, context.HttpContext.RequestAborted);
        if (stored is null || stored.Disabled || stored.User != fromCookie || stamp != ConsoleUser.Stamp(stored.PasswordHash))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }
}
