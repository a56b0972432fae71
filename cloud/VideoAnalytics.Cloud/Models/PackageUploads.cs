using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Cloud.Models;

public sealed record UploadResult(int StatusCode, string? Error, string? Name = null, string? Version = null, string? ManifestSha256 = null, bool AlreadyRegistered = false);

/// <summary>
/// Receives a package as <c>multipart/form-data</c> (one part per file, named by its file name), streams it to a
/// staging folder under a size limit, checks it (manifest schema, signature by a trusted key, every hash, no stray
/// files), then stores the files as blobs (<c>models/{name}/{version}/{file}</c>) and registers the version.
/// </summary>
public sealed class PackageUploads(ModelRegistryStore store, IClipStore blobs, TrustedModelKeys trusted, IOptions<ModelRegistryOptions> options, ILogger<PackageUploads> logger)
{
    /// <summary>Room for the multipart boundaries and part headers around the package's files.</summary>
    public const long MultipartOverheadBytes = 1024 * 1024;

    public async Task<UploadResult> UploadAsync(HttpRequest request, string actor, CancellationToken ct)
    {
        var max = options.Value.MaxPackageBytes;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || type.Boundary.Value is not { Length: > 0 } boundary)
            return new(StatusCodes.Status415UnsupportedMediaType, "send the package as multipart/form-data, one part per file");
        if (request.ContentLength > max) return new(StatusCodes.Status413PayloadTooLarge, $"package is {request.ContentLength} bytes, over Cloud:Models:MaxPackageBytes={max}");

        var staging = Path.Combine(options.Value.StagingDirectory, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            var received = await ReceiveAsync(new MultipartReader(boundary, request.Body), staging, max, ct);
            if (received is not null) return received;

            return await RegisterDirectoryAsync(staging, actor, ct);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Checks a package folder and, when it is good, stores its files as blobs and registers the version.</summary>
    public async Task<UploadResult> RegisterDirectoryAsync(string directory, string actor, CancellationToken ct)
    {
        var check = await ModelPackageVerifier.VerifyDirectoryAsync(directory, trusted, DateTimeOffset.UtcNow, ct);
        if (!check.IsValid) return new(StatusCodes.Status422UnprocessableEntity, check.ErrorText);
        var m = check.Manifest!;
        var stray = Directory.EnumerateFiles(directory).Select(Path.GetFileName)
            .Where(n => n is not (ModelPackageFiles.Manifest or ModelPackageFiles.Signature) && m.Files.All(f => f.Path != n)).ToList();
        if (stray.Count > 0) return new(StatusCodes.Status422UnprocessableEntity, $"files not listed in manifest.json: {string.Join(", ", stray)} — remove them or re-run va models sign");

        if (await store.ManifestShaAsync(m.Name, m.Version, ct) is { } existing)
        {
            return existing == check.ManifestSha256
                ? new(StatusCodes.Status200OK, null, m.Name, m.Version, existing, AlreadyRegistered: true)
                : new(StatusCodes.Status409Conflict, $"{m.Name}@{m.Version} is already registered with a different manifest: bump the version in manifest.json and re-sign");
        }
        foreach (var f in m.Files)
        {
            await using var s = File.OpenRead(Path.Combine(directory, f.Path));
            await blobs.PutAsync(ModelRegistryStore.BlobKey(m.Name, m.Version, f.Path), s, ct);
        }
        await store.InsertVersionAsync(check, actor, ct);
        logger.LogInformation("Registered model {Name}@{Version} ({Kind}, {Bytes} bytes) pushed by {Actor}", m.Name, m.Version, m.Kind, m.Files.Sum(f => f.Bytes), actor);
        return new(StatusCodes.Status201Created, null, m.Name, m.Version, check.ManifestSha256);
    }

    private static async Task<UploadResult?> ReceiveAsync(MultipartReader reader, string staging, long max, CancellationToken ct)
    {
        long total = 0;
        var buffer = new byte[1 << 16];
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var cd) || cd.FileName.Value is not { } rawName)
                return new(StatusCodes.Status400BadRequest, "every part must be a file (Content-Disposition with filename)");
            var name = HeaderUtilities.RemoveQuotes(rawName).Value ?? "";
            if (!ClipManifest.IsSafeFileName(name)) return new(StatusCodes.Status400BadRequest, $"file name '{name}' is not a plain file name");
            var path = Path.Combine(staging, name);
            if (File.Exists(path)) return new(StatusCodes.Status400BadRequest, $"file '{name}' was sent twice");
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            int n;
            while ((n = await section.Body.ReadAsync(buffer, ct)) > 0)
            {
                total += n;
                if (total > max) return new(StatusCodes.Status413PayloadTooLarge, $"package is over Cloud:Models:MaxPackageBytes={max}");
                await file.WriteAsync(buffer.AsMemory(0, n), ct);
            }
        }
        return total == 0 ? new(StatusCodes.Status400BadRequest, "the upload holds no files") : null;
    }
}
