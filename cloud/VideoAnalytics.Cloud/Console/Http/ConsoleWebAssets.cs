using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace VideoAnalytics.Cloud.Console.Http;

/// <summary>
/// The console's pages, scripts and styles, embedded in the assembly (<c>Console/Web/</c>), so that the console is
/// served the same way by the exe, the container and the tests, with no build step and no content root.
/// </summary>
internal sealed class ConsoleWebAssets
{
    private const string ResourcePrefix = "VideoAnalytics.Cloud.Console.Web.";
    private readonly Dictionary<string, Asset> assets;

    private sealed record Asset(byte[] Content, string ContentType, string ETag);

    public ConsoleWebAssets()
    {
        var assembly = typeof(ConsoleWebAssets).Assembly;
        assets = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .ToDictionary(n => n[ResourcePrefix.Length..], n => Load(assembly, n), StringComparer.Ordinal);
    }

    /// <summary>A page (HTML): never cached, since what it may show depends on who is signed in.</summary>
    public IResult Page(HttpContext http, string name)
    {
        var asset = assets[name];
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    /// <summary>A script or style sheet, revalidated by ETag; 404 for anything that is not one.</summary>
    public IResult Static(HttpContext http, string name)
    {
        if (!(name.EndsWith(".js", StringComparison.Ordinal) || name.EndsWith(".css", StringComparison.Ordinal))
            || !assets.TryGetValue(name, out var asset))
            return ConsoleHttp.NotFound("asset");
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers.ETag = asset.ETag;
        if (http.Request.Headers.IfNoneMatch == asset.ETag) return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    private static Asset Load(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var content = copy.ToArray();
        var type = Path.GetExtension(resource) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "application/octet-stream",
        };
        var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 8))}\"").ToString();
        return new Asset(content, type, etag);
    }
}
