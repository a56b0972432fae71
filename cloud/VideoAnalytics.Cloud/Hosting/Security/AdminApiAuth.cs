using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace VideoAnalytics.Cloud.Hosting.Security;

/// <summary>
/// The one place admin calls are authorised: an authentication scheme that reads <c>Authorization: Bearer &lt;token&gt;</c>
/// and an authorization policy on the admin routes. Authorization runs before the endpoint, so a caller without a good
/// token gets 401 before any body is read or bound.
/// </summary>
public static class AdminApiAuth
{
    public const string Scheme = "va-admin-token";
    public const string Policy = "va-admin";

    /// <summary>Who made an admin call: the name of the token it carried (see <see cref="AdminApiOptions.Tokens"/>).</summary>
    public static string ActorOf(HttpContext http) =>
        http.User.Identity is { IsAuthenticated: true, AuthenticationType: Scheme, Name: { Length: > 0 } name }
            ? name
            : throw new InvalidOperationException("an admin endpoint ran without the admin policy");

    /// <summary>
    /// Registers the scheme, the policy and <c>Cloud:Admin</c> (validated at start-up). Safe to call from every feature
    /// that maps admin routes: the second call changes nothing.
    /// </summary>
    public static IServiceCollection AddAdminApiAuth(this IServiceCollection services, IConfiguration config)
    {
        if (services.Any(d => d.ServiceType == typeof(AdminTokenHandler))) return services;
        services.AddOptions<AdminApiOptions>().Bind(config.GetSection(AdminApiOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddTransient<AdminTokenHandler>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, AdminTokenHandler>(Scheme, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        return services;
    }
}

/// <summary>
/// Compares the bearer token with every configured token in constant time; a match signs the call in as the token's
/// name. Answers a challenge with 401 and what to send, and fails closed when no token is configured.
/// </summary>
internal sealed class AdminTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory logger, UrlEncoder encoder, IOptions<AdminApiOptions> admin)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    private const string Prefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(Prefix, StringComparison.Ordinal)) return Task.FromResult(AuthenticateResult.NoResult());
        var sent = Encoding.UTF8.GetBytes(header[Prefix.Length..]);
        string? actor = null;
        // Every token is compared, so the time taken does not tell which one came close.
        foreach (var (name, token) in admin.Value.Actors())
        {
            if (CryptographicOperations.FixedTimeEquals(sent, Encoding.UTF8.GetBytes(token))) actor = name;
        }
        if (actor is null) return Task.FromResult(AuthenticateResult.Fail("wrong admin token"));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, actor)], AdminApiAuth.Scheme);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), AdminApiAuth.Scheme)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var reason = admin.Value.AnyToken
            ? "send Authorization: Bearer <token> (Cloud:Admin:Tokens:<name> or Cloud:Admin:ApiToken; va: --token or VA_API_TOKEN)"
            : "the admin API is off: set Cloud:Admin:Tokens:<name> or Cloud:Admin:ApiToken on the silo";
        await Results.Problem(reason, statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(Context);
    }
}
