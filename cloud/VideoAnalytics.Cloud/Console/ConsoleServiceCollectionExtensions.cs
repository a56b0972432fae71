using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Cloud.Console.Alerts;
using VideoAnalytics.Cloud.Console.Clips;
using VideoAnalytics.Cloud.Console.Devices;
using VideoAnalytics.Cloud.Console.Http;
using VideoAnalytics.Cloud.Console.Users;
using VideoAnalytics.Cloud.Hosting.Security;
using VideoAnalytics.Users;

namespace VideoAnalytics.Cloud.Console;

public static class ConsoleServiceCollectionExtensions
{
    /// <summary>
    /// Registers the security console: options (section <c>Console</c>), cookie sign-in with its throttle and rate limit,
    /// its queries and stores.
    /// Uses from the host: <c>NpgsqlDataSource</c> and <see cref="IAlertService"/> (<c>AddCloud</c>), <see cref="IAlertFeed"/>
    /// (<c>AddAlerts</c>) and <see cref="Storage.IClipStore"/> (<c>AddIngest</c>).
    /// </summary>
    public static IServiceCollection AddConsole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConsoleOptions>().Bind(configuration.GetSection(ConsoleOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        services.AddAuthentication(ConsoleAuth.Scheme).AddCookie(ConsoleAuth.Scheme);
        services.AddOptions<CookieAuthenticationOptions>(ConsoleAuth.Scheme).Configure<IOptions<ConsoleOptions>>((cookie, console) =>
        {
            cookie.Cookie.Name = ConsoleAuth.CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = console.Value.SecureCookie ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(console.Value.SessionMinutes);
            cookie.SlidingExpiration = true;
            cookie.LoginPath = ConsoleAuth.SignInPath;
            cookie.AccessDeniedPath = ConsoleAuth.SignInPath;
            cookie.Events = ConsoleAuth.Events();
        });
        services.AddAuthorizationBuilder().AddPolicy(ConsoleAuth.UserPolicy, policy => policy
            .AddAuthenticationSchemes(ConsoleAuth.Scheme)
            .RequireAuthenticatedUser()
            .RequireRole(UserRules.StaffRole, UserRules.AdminRole));
        if (configuration.GetSection(ConsoleOptions.Section)[nameof(ConsoleOptions.KeyRingDirectory)] is { Length: > 0 } keyRing)
            services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(keyRing)).SetApplicationName("va-console");

        services.AddSingleton<ConsoleUserStore>();
        services.AddSingleton<SignInThrottle>();
        services.AddRateLimiter(o => o.AddPolicy<string, SignInRateLimit>(SignInRateLimit.Policy));
        services.AddOptions<ConcurrencyTotals>().Configure<IOptions<ConsoleOptions>>((totals, console) =>
            totals.Set(SignInRateLimit.Policy, console.Value.MaxConcurrentSignIns, console.Value.MaxQueuedSignIns));
        services.AddSingleton<AlertQueries>();
        services.AddSingleton<DeviceStatusStore>();
        services.AddSingleton<ConsoleWebAssets>();
        services.TryAddSingleton<IClipManifests, PostgresClipManifests>();
        return services;
    }
}
