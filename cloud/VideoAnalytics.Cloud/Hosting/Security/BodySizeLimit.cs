using Microsoft.AspNetCore.Http.Metadata;

namespace VideoAnalytics.Cloud.Hosting.Security;

/// <summary>
/// The largest request body a route accepts. As endpoint metadata it is applied by routing before anything reads the
/// body: a larger body gets 413 (Kestrel stops reading), whatever the server-wide <c>Cloud:Http:MaxRequestBodyBytes</c>.
/// </summary>
public sealed record BodySizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata
{
    /// <summary>Admin and console JSON bodies: small requests, never near this.</summary>
    public const long SmallJson = 64 * 1024;
}

public static class BodySizeLimitExtensions
{
    /// <summary>Caps the request body of the routes of <paramref name="builder"/> at <paramref name="bytes"/>.</summary>
    public static TBuilder WithBodySizeLimit<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodySizeLimit(bytes));
}
