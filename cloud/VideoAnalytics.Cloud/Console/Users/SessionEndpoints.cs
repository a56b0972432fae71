using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using VideoAnalytics.Cloud.Console.Http;
using VideoAnalytics.Cloud.Hosting.Security;
using VideoAnalytics.Users;

namespace VideoAnalytics.Cloud.Console.Users;

public sealed record SignInRequest(string? Name, string? Password);

public sealed record UserView(string Name, string Role, string? Branch)
{
    public static UserView Of(ConsoleUser user) => new(user.Name, user.Role, user.Branch);
}

/// <summary>Sign-in (<c>POST /api/session</c>), sign-out (<c>DELETE /api/session</c>) and who am I (<c>GET /api/me</c>).</summary>
internal static class SessionEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/session", SignInAsync).AddEndpointFilter(ConsoleHttp.RequireAntiForgeryHeader).AllowAnonymous()
            .RequireRateLimiting(SignInRateLimit.Policy);
        api.MapDelete("/session", SignOutAsync).AddEndpointFilter(ConsoleHttp.RequireAntiForgeryHeader).AllowAnonymous();
        api.MapGet("/me", (HttpContext http) => CurrentUser.Reply(http, user => TypedResults.Json(UserView.Of(user), ConsoleJsonContext.Default.UserView)))
            .RequireAuthorization(ConsoleAuth.UserPolicy);
    }

    private static async Task<IResult> SignInAsync(
        HttpContext http, ConsoleUserStore store, SignInThrottle throttle, ILoggerFactory loggers, CancellationToken ct)
    {
        var (body, error) = await ConsoleHttp.ReadBodyAsync(http.Request, ConsoleJsonContext.Default.SignInRequest, ct);
        if (body is null) return ConsoleHttp.BadRequest(error!);
        var name = body.Name?.Trim().ToLowerInvariant();
        if (!UserRules.IsValidName(name)) return ConsoleHttp.BadRequest("name is missing or not a valid user name");
        if (body.Password is not { Length: > 0 and <= UserRules.MaxPasswordLength })
            return ConsoleHttp.BadRequest($"password is missing or longer than {UserRules.MaxPasswordLength} characters");

        var log = loggers.CreateLogger("VideoAnalytics.Console.SignIn");
        var address = HttpLimits.ClientAddress(http);
        if (await throttle.SecondsLockedAsync(name!, address, ct) is var locked and > 0)
        {
            log.LogWarning("Sign-in of {User} from {Address} refused: locked for {Seconds} s after failed attempts", name, address, locked);
            http.Response.Headers.RetryAfter = locked.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ConsoleHttp.Problem(StatusCodes.Status429TooManyRequests, $"too many failed sign-ins; try again in {locked} s");
        }
        var stored = await store.FindAsync(name!, ct);
        if (stored is null) PasswordHashing.SpendEquivalentWork(body.Password);
        if (stored is null || stored.Disabled || !PasswordHashing.Verify(body.Password, stored.PasswordHash))
        {
            // Counted even when the caller hangs up now: dropping the connection must not erase the guess.
            var lockout = await throttle.FailedAsync(name!, address, CancellationToken.None);
            if (lockout > 0) log.LogWarning("Failed sign-in of {User} from {Address}; locked there for {Seconds} s", name, address, lockout);
            else log.LogWarning("Failed sign-in of {User} from {Address}", name, address);
            return ConsoleHttp.Problem(StatusCodes.Status401Unauthorized, "wrong name or password");
        }
        await throttle.SucceededAsync(name!, address, ct);
        await http.SignInAsync(ConsoleAuth.Scheme, stored.User.ToPrincipal(stored.PasswordHash, ConsoleAuth.Scheme));
        log.LogInformation("{User} ({Role}) signed in", stored.User.Name, stored.User.Role);
        return TypedResults.Json(UserView.Of(stored.User), ConsoleJsonContext.Default.UserView);
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, ILoggerFactory loggers)
    {
        var result = await http.AuthenticateAsync(ConsoleAuth.Scheme);
        await http.SignOutAsync(ConsoleAuth.Scheme);
        if (result.Principal is { } principal && ConsoleUser.From(principal) is { } user)
            loggers.CreateLogger("VideoAnalytics.Console.SignIn").LogInformation("{User} signed out", user.Name);
        return TypedResults.NoContent();
    }
}
