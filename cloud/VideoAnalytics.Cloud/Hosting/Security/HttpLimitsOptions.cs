using System.ComponentModel.DataAnnotations;
using System.Net;

namespace VideoAnalytics.Cloud.Hosting.Security;

/// <summary>
/// <c>Cloud:Http</c>: what one caller may hold of a silo's HTTP side: request header and body timeouts, the largest
/// body, live streams (server-sent events) per user and in all, and the proxies whose <c>X-Forwarded-For</c> is believed.
/// </summary>
public sealed class HttpLimitsOptions : IValidatableObject
{
    public const string Section = "Cloud:Http";

    /// <summary>A client must have sent its request headers within this time, or the connection is closed.</summary>
    [Range(1, 300, ErrorMessage = "Cloud:Http:RequestHeadersTimeoutSeconds must be {1}-{2}")]
    public int RequestHeadersTimeoutSeconds { get; set; } = 10;

    /// <summary>A body that arrives slower than this (after a 5 s grace) is cut off with 408: a half-sent body does not hold a connection.</summary>
    [Range(1, 10_000_000, ErrorMessage = "Cloud:Http:MinRequestBodyBytesPerSecond must be {1}-{2}")]
    public int MinRequestBodyBytesPerSecond { get; set; } = 240;

    /// <summary>The largest request body of any route that sets no limit of its own (413 beyond).</summary>
    [Range(1024, 1L << 34, ErrorMessage = "Cloud:Http:MaxRequestBodyBytes must be {1}-{2}")]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Live alert streams one user (or admin token) may hold open at once on a silo (429 beyond).</summary>
    [Range(1, 10_000, ErrorMessage = "Cloud:Http:MaxLiveStreamsPerUser must be {1}-{2}")]
    public int MaxLiveStreamsPerUser { get; set; } = 10;

    /// <summary>Live alert streams a silo holds open in all (429 beyond).</summary>
    [Range(1, 1_000_000, ErrorMessage = "Cloud:Http:MaxLiveStreams must be {1}-{2}")]
    public int MaxLiveStreams { get; set; } = 1000;

    /// <summary>
    /// Reverse proxies (addresses, or networks as <c>10.0.0.0/8</c>) whose <c>X-Forwarded-For</c> names the client; empty:
    /// the connection's address is the client's. Behind an ingress, set it, or every caller shares the ingress's limits.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in TrustedProxies)
        {
            if (!IPAddress.TryParse(proxy, out _) && !IPNetwork.TryParse(proxy, out _))
                yield return new ValidationResult($"{Section}:TrustedProxies: '{proxy}' is not an IP address or network (a.b.c.d/n)", [nameof(TrustedProxies)]);
        }
    }
}
