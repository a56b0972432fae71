using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using VideoAnalytics.Cloud.Console.Http;
using VideoAnalytics.Cloud.Console.Users;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Console.Clips;

/// <summary>
/// <c>GET /api/clips/{clipId}/files/{name}</c>: one file of a stored clip (e.g. a JPEG keyframe), cut from the clip
/// blob at the offset its manifest gives. The clip's branch is checked first: another branch's clip is 404.
/// </summary>
internal static class ClipFileEndpoints
{
    /// <summary>Types served inline; anything else is sent as a download so a browser never renders it as a page.</summary>
    private static readonly HashSet<string> InlineTypes = new(StringComparer.Ordinal)
    {
        "image/jpeg", "image/png", "image/webp", "video/mp4", "video/webm", "application/json",
    };

    public static string BlobKey(string clipId) => $"clips/{clipId}";

    public static void Map(RouteGroupBuilder api) => api.MapGet("/clips/{clipId}/files/{name}", ServeAsync);

    private static async Task ServeAsync(HttpContext http, IClipManifests manifests, IClipStore store, ILoggerFactory loggers,
        string clipId, string name)
    {
        var ct = http.RequestAborted;
        var reply = await CheckAsync(http, manifests, clipId, name, ct);
        if (reply.Error is not null) { await reply.Error.ExecuteAsync(http); return; }
        var file = reply.File!;

        await using var blob = await store.OpenReadAsync(BlobKey(clipId), ct);
        if (blob is null) { await ConsoleHttp.NotFound("stored clip").ExecuteAsync(http); return; }
        if (blob.CanSeek)
        {
            if (blob.Length < file.Offset + file.Length)
            {
                loggers.CreateLogger("VideoAnalytics.Console.Clips").LogWarning(
                    "Clip {ClipId} blob has {Bytes} bytes, shorter than its manifest says; file {File} not served", clipId, blob.Length, name);
                await ConsoleHttp.Problem(StatusCodes.Status500InternalServerError, "stored clip is shorter than its manifest").ExecuteAsync(http);
                return;
            }
            blob.Seek(file.Offset, SeekOrigin.Begin);
        }
        else
        {
            await CopyExactlyAsync(blob, Stream.Null, file.Offset, ct);
        }

        var response = http.Response;
        var inline = InlineTypes.Contains(file.ContentType);
        response.ContentType = inline ? file.ContentType : "application/octet-stream";
        if (!inline) response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        response.ContentLength = file.Length;
        // Clip files never change once stored.
        response.Headers.CacheControl = "private, max-age=86400, immutable";
        await CopyExactlyAsync(blob, response.Body, file.Length, ct);
    }

    private static async Task<(ClipFile? File, IResult? Error)> CheckAsync(HttpContext http, IClipManifests manifests, string clipId, string name,
        CancellationToken ct)
    {
        if (ConsoleUser.From(http.User) is not { } user) return (null, ConsoleHttp.Problem(StatusCodes.Status401Unauthorized, "sign in first"));
        if (!ClipIds.IsValid(clipId)) return (null, ConsoleHttp.BadRequest("clip id is not valid (8-64 of a-z, 0-9, '-')"));
        if (!ClipManifest.IsSafeFileName(name)) return (null, ConsoleHttp.BadRequest("file name is not valid"));
        var manifest = await manifests.FindAsync(clipId, ct);
        if (manifest is null || !user.CanSee(manifest.Branch)) return (null, ConsoleHttp.NotFound("clip"));
        var file = manifest.Files.FirstOrDefault(f => f.Name == name);
        return file is null ? (null, ConsoleHttp.NotFound("file")) : (file, null);
    }

    private static async Task CopyExactlyAsync(Stream from, Stream to, long count, CancellationToken ct)
    {
        var buffer = new byte[81920];
        while (count > 0)
        {
            var read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), ct);
            if (read == 0) throw new EndOfStreamException("stored clip is shorter than its manifest");
            await to.WriteAsync(buffer.AsMemory(0, read), ct);
            count -= read;
        }
    }
}
