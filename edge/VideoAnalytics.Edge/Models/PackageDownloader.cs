using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Contracts.Transport;

namespace VideoAnalytics.Edge.Models;

/// <summary>A package could not be fetched or did not verify; the message is what the device reports.</summary>
public sealed class ModelFetchException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Fetches a package from the cloud over HTTP into a download folder, one file at a time. A file is written to
/// <c>{file}.partial</c> and resumed with a range request (<c>If-Range</c> on the file's hash, so a changed file is
/// fetched whole) after a broken connection or a restart; it is renamed only when size and SHA-256 match.
/// </summary>
public sealed class PackageDownloader(HttpClient http, IOptions<ModelManagerOptions> options, ILogger<PackageDownloader> logger)
{
    private const string PartialSuffix = ".partial";
    private static readonly TimeSpan RetryInitial = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan RetryMax = TimeSpan.FromSeconds(5);

    /// <summary>Downloads the manifest (checked against the desired hash) and every file it lists into <paramref name="directory"/>.</summary>
    public async Task<ModelManifest> FetchPackageAsync(DesiredModel desired, string directory, TrustedModelKeys trusted, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var baseUrl = new Uri(desired.PackageUrl.EndsWith('/') ? desired.PackageUrl : desired.PackageUrl + "/");
        var manifestBytes = await GetSmallAsync(new Uri(baseUrl, "files/" + ModelPackageFiles.Manifest), ct);
        if (ModelPackageFiles.Sha256Hex(manifestBytes) != desired.ManifestSha256)
            throw new ModelFetchException($"{ModelPackageFiles.Manifest} from {baseUrl} does not match the desired manifest hash");
        var sigBytes = ModelPackageFiles.SerializeSignature(new ManifestSignature { KeyId = desired.KeyId, Signature = desired.Signature });
        // Check the signature before fetching anything large: an unsigned manifest must not make us download its files.
        var errors = new List<string>();
        ModelPackageVerifier.CheckSignature(manifestBytes, sigBytes, trusted, errors);
        if (errors.Count > 0) throw new ModelFetchException(string.Join("; ", errors));
        if (!Contracts.Serialization.ContractJson.TryRead<ModelManifest>(manifestBytes, DateTimeOffset.UtcNow, out var manifest, out var why))
            throw new ModelFetchException($"{ModelPackageFiles.Manifest}: {why}");
        if (manifest.Name != desired.Name || manifest.Version != desired.Version || manifest.Kind != desired.Kind)
            throw new ModelFetchException($"{ModelPackageFiles.Manifest} describes {manifest.Name}@{manifest.Version}, not {desired.Name}@{desired.Version}");
        await File.WriteAllBytesAsync(Path.Combine(directory, ModelPackageFiles.Manifest), manifestBytes, ct);
        await File.WriteAllBytesAsync(Path.Combine(directory, ModelPackageFiles.Signature), sigBytes, ct);
        foreach (var f in manifest.Files)
            await DownloadFileAsync(new Uri(baseUrl, "files/" + Uri.EscapeDataString(f.Path)), Path.Combine(directory, f.Path), f.Bytes, f.Sha256, ct);
        return manifest;
    }

    /// <summary>Downloads one file, resuming from its <c>.partial</c>; retries broken transfers a few times.</summary>
    public async Task DownloadFileAsync(Uri url, string path, long bytes, string sha256, CancellationToken ct)
    {
        if (File.Exists(path) && await Matches(path, bytes, sha256, ct)) return;
        var partial = path + PartialSuffix;
        var attempts = options.Value.DownloadAttempts;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await TransferAsync(url, partial, bytes, sha256, ct);
                break;
            }
            catch (Exception e) when (e is HttpRequestException or IOException && attempt < attempts && !ct.IsCancellationRequested)
            {
                logger.LogWarning("Download of {Url} broke at {Bytes} bytes ({Error}); resuming (attempt {Attempt}/{Attempts})",
                    url, File.Exists(partial) ? new FileInfo(partial).Length : 0, e.Message, attempt + 1, attempts);
                await Task.Delay(Backoff.Delay(attempt - 1, RetryInitial, RetryMax), ct);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                throw new ModelFetchException($"download of {url} failed after {attempt} attempts: {e.Message} (partial file kept; the next attempt resumes)", e);
            }
        }
        if (!await Matches(partial, bytes, sha256, ct))
        {
            File.Delete(partial);
            throw new ModelFetchException($"{Path.GetFileName(path)} downloaded from {url} does not match its size/SHA-256 in the manifest");
        }
        File.Move(partial, path, overwrite: true);
    }

    private async Task TransferAsync(Uri url, string partial, long bytes, string sha256, CancellationToken ct)
    {
        var have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (have > bytes) { File.Delete(partial); have = 0; }
        if (have == bytes) return;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0)
        {
            request.Headers.Range = new RangeHeaderValue(have, null);
            request.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{sha256}\""));
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.DownloadTimeoutSeconds));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable) { File.Delete(partial); throw new IOException("server refused the resume range; starting over"); }
        if (!response.IsSuccessStatusCode) throw new ModelFetchException($"GET {url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        var append = response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == have;
        if (have > 0) logger.LogInformation("Resuming {Url} at byte {Offset} ({Mode})", url, have, append ? "range" : "server sent the whole file");
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        await using var file = new FileStream(partial, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = await body.ReadAsync(buffer, timeout.Token)) > 0)
        {
            if (file.Length + n > bytes) throw new ModelFetchException($"{url} sends more than the {bytes} bytes its manifest lists");
            await file.WriteAsync(buffer.AsMemory(0, n), timeout.Token);
        }
        await file.FlushAsync(timeout.Token);
        if (file.Length < bytes) throw new IOException($"connection ended at {file.Length} of {bytes} bytes");
    }

    private async Task<byte[]> GetSmallAsync(Uri url, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode) throw new ModelFetchException($"GET {url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            if (response.Content.Headers.ContentLength > ModelPackageFiles.MaxManifestBytes) throw new ModelFetchException($"{url} is over {ModelPackageFiles.MaxManifestBytes} bytes");
            return await response.Content.ReadAsByteArrayAsync(ct);
        }
        catch (HttpRequestException e)
        {
            throw new ModelFetchException($"GET {url} failed: {e.Message}", e);
        }
    }

    private static async Task<bool> Matches(string path, long bytes, string sha256, CancellationToken ct)
    {
        if (new FileInfo(path).Length != bytes) return false;
        return (await ModelPackageFiles.HashFileAsync(path, ct)).Sha256 == sha256;
    }
}
