using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using VideoAnalytics.Cloud.Hosting.Security;

namespace VideoAnalytics.Cloud.Console.Users;

/// <summary>
/// Sign-in hashes the password (about 100 ms of CPU, for unknown names too): each client address gets
/// <see cref="ConsoleOptions.SignInsPerMinutePerAddress"/> attempts a minute (a token bucket), and the silo runs at most
/// <see cref="ConsoleOptions.MaxConcurrentSignIns"/> at once with <see cref="ConsoleOptions.MaxQueuedSignIns"/> waiting
/// (<see cref="ConcurrencyTotals"/>). Beyond either: 429 with <c>Retry-After</c>, before the body is read.
/// </summary>
internal sealed class SignInRateLimit(IOptions<ConsoleOptions> options) : IRateLimiterPolicy<string>
{
    public const string Policy = "console-sign-in";

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

    public RateLimitPartition<string> GetPartition(HttpContext http)
    {
        var perMinute = options.Value.SignInsPerMinutePerAddress;
        return RateLimitPartition.GetTokenBucketLimiter(HttpLimits.ClientAddress(http), _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perMinute,
            QueueLimit = 0,
        });
    }
}
