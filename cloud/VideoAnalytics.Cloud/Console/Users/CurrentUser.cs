using VideoAnalytics.Contracts.Identity;
using Microsoft.AspNetCore.Http;
using VideoAnalytics.Cloud.Console.Http;

namespace VideoAnalytics.Cloud.Console.Users;

/// <summary>The signed-in user of a request, and the branch/site filter they may ask for.</summary>
internal static class CurrentUser
{
    /// <summary>Runs <paramref name="reply"/> for the signed-in user, or answers 401 when the request has none.</summary>
    public static IResult Reply(HttpContext http, Func<ConsoleUser, IResult> reply) =>
        ConsoleUser.From(http.User) is { } user ? reply(user) : ConsoleHttp.Problem(StatusCodes.Status401Unauthorized, "sign in first");

    public static async Task<IResult> ReplyAsync(HttpContext http, Func<ConsoleUser, Task<IResult>> reply) =>
        ConsoleUser.From(http.User) is { } user ? await reply(user) : ConsoleHttp.Problem(StatusCodes.Status401Unauthorized, "sign in first");

    /// <summary>
    /// The branch and site a request may look at: staff are held to their own branch (asking for another is 403),
    /// admins may ask for any. Bad ids are 400.
    /// </summary>
    public static bool TryScope(ConsoleUser user, string? branch, string? site, out ScopeFilter scope, out IResult? error)
    {
        scope = default;
        error = null;
        if (branch is not null && !Slug.IsValid(branch)) { error = ConsoleHttp.BadRequest("branch is not a valid id"); return false; }
        if (site is not null && !Slug.IsValid(site)) { error = ConsoleHttp.BadRequest("site is not a valid id"); return false; }
        if (branch is not null && !user.CanSee(branch))
        {
            error = ConsoleHttp.Problem(StatusCodes.Status403Forbidden, $"branch {branch} is outside your branch");
            return false;
        }
        scope = new ScopeFilter(branch ?? user.BranchLimit, site);
        return true;
    }
}

internal readonly record struct ScopeFilter(string? Branch, string? Site);
