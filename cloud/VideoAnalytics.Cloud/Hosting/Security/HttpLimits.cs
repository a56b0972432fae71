using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace VideoAnalytics.Cloud.Hosting.Security;

/// <summary>
/// How much of a silo one caller can hold, with ASP.NET Core's rate limiting and Kestrel's limits: per-caller policies
/// (<see cref="LiveStreamPolicy"/> here, sign-in in the console) under a cap per policy on what runs at once across all
/// callers (<see cref="ConcurrencyTotals"/>), 429 with <c>Retry-After</c> beyond; header and body timeouts and the
/// default body cap (<see cref="HttpLimitsOptions"/>).
/// </summary>
public static class HttpLimits
{
    /// <summary>Live alert streams: at most <see cref="HttpLimitsOptions.MaxLiveStreamsPerUser"/> per user, <see cref="HttpLimitsOptions.MaxLiveStreams"/> in all.</summary>
    public const string LiveStreamPolicy = "live-streams";

    /// <summary>Retry-After for a refusal whose limiter names no time (a concurrency cap).</summary>
    private const int DefaultRetryAfterSeconds = 5;

    public static IServiceCollection AddHttpLimits(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<HttpLimitsOptions>().Bind(config.GetSection(HttpLimitsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<HttpLimitsOptions>>((kestrel, limits) =>
        {
            var o = limits.Value;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(o.RequestHeadersTimeoutSeconds);
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(o.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(5));
            kestrel.Limits.MaxRequestBodySize = o.MaxRequestBodyBytes;
        });
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<HttpLimitsOptions>>((forwarded, limits) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in limits.Value.TrustedProxies)
            {
                if (IPAddress.TryParse(proxy, out var address)) forwarded.KnownProxies.Add(address);
                else forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
            }
        });
        services.AddOptions<ConcurrencyTotals>().Configure<IOptions<HttpLimitsOptions>>((totals, limits) =>
            totals.Set(LiveStreamPolicy, limits.Value.MaxLiveStreams, queue: 0));
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ConcurrencyTotals>>((o, totals) =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = RefuseAsync;
            o.GlobalLimiter = totals.Value.CreateLimiter();
            o.AddPolicy<string, LiveStreamLimit>(LiveStreamPolicy);
        });
        return services;
    }

    /// <summary>
    /// Puts the limits in the pipeline: the client's address from trusted proxies, then the rate limiter. Call it once
    /// on every host that maps the cloud's routes (Program.cs), before the endpoints run.
    /// </summary>
    public static WebApplication UseHttpLimits(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<HttpLimitsOptions>>().Value.TrustedProxies.Count > 0) app.UseForwardedHeaders();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// The address a caller is limited by: IPv4 as it is, IPv6 by its /64 (one subscriber's network hands out any
    /// address of it).
    /// </summary>
    public static string ClientAddress(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static async ValueTask RefuseAsync(OnRejectedContext context, CancellationToken ct)
    {
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : DefaultRetryAfterSeconds;
        var response = context.HttpContext.Response;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Results.Problem($"too many requests of this kind right now; try again in {seconds} s", statusCode: StatusCodes.Status429TooManyRequests)
            .ExecuteAsync(context.HttpContext);
    }

    /// <summary>Per caller: the name the caller signed in with (console user or admin token), one partition each.</summary>
    private sealed class LiveStreamLimit(IOptions<HttpLimitsOptions> options) : IRateLimiterPolicy<string>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

        public RateLimitPartition<string> GetPartition(HttpContext http) =>
            RateLimitPartition.GetConcurrencyLimiter($"{http.User.Identity?.AuthenticationType}:{http.User.Identity?.Name}",
                _ => new ConcurrencyLimiterOptions { PermitLimit = options.Value.MaxLiveStreamsPerUser, QueueLimit = 0 });
    }
}

/// <summary>
/// Caps per rate-limiting policy on how many of its requests run at once across all callers; the policy itself limits
/// each caller. Features add theirs (<c>AddOptions&lt;ConcurrencyTotals&gt;().Configure…</c>).
/// </summary>
public sealed class ConcurrencyTotals
{
    private readonly Dictionary<string, (int Permits, int Queue)> _byPolicy = new(StringComparer.Ordinal);

    public void Set(string policy, int permits, int queue) => _byPolicy[policy] = (permits, queue);

    /// <summary>One concurrency limiter per policy with a total (found by the endpoint's rate-limiting metadata); nothing for other routes.</summary>
    public PartitionedRateLimiter<HttpContext> CreateLimiter() => PartitionedRateLimiter.Create<HttpContext, string>(http =>
        http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName is { } policy && _byPolicy.TryGetValue(policy, out var total)
            ? RateLimitPartition.GetConcurrencyLimiter(policy, _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = total.Permits, QueueLimit = total.Queue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            })
            : RateLimitPartition.GetNoLimiter(""));
}
