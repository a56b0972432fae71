using System.Security.Cryptography;
using System.Text.Json;
using VideoAnalytics.Contracts.Serialization;

namespace VideoAnalytics.Contracts.Models;

/// <summary>
/// Signs a package directory: fills in the size and SHA-256 of every file (all files of the directory when the
/// manifest lists none), rewrites <c>manifest.json</c> in its canonical form (source-generated, compact JSON) and
/// writes <c>manifest.sig</c> over those exact bytes.
/// </summary>
public static class ModelPackageSigner
{
    public static async Task<ModelManifest> SignAsync(string directory, ECDsa key, string keyId, DateTimeOffset now, CancellationToken ct)
    {
        if (!ModelSigningKeys.IsValidKeyId(keyId)) throw new ModelPackageException($"key id '{keyId}' is not valid (1-64 of a-z, 0-9, '-')");
        var manifestPath = Path.Combine(directory, ModelPackageFiles.Manifest);
        if (!File.Exists(manifestPath)) throw new ModelPackageException($"{manifestPath} is missing: a package is a directory with manifest.json and its files");
        ModelManifest draft;
        try
        {
            draft = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(manifestPath, ct), ContractJsonContext.Default.ModelManifest)
                ?? throw new ModelPackageException($"{ModelPackageFiles.Manifest} is JSON null");
        }
        catch (JsonException e)
        {
            throw new ModelPackageException($"{ModelPackageFiles.Manifest} is not a valid manifest: {e.Message.Split('.')[0]}");
        }

        var paths = draft.Files is { Count: > 0 }
            ? draft.Files.Select(f => f.Path).ToList()
            : Directory.EnumerateFiles(directory).Select(Path.GetFileName).OfType<string>()
                .Where(n => n is not (ModelPackageFiles.Manifest or ModelPackageFiles.Signature) && !n.StartsWith('.'))
                .Order(StringComparer.Ordinal).ToList();
        var files = new List<ModelFile>(paths.Count);
        for (var i = 0; i < paths.Count; i++)
        {
            var full = Path.Combine(directory, paths[i] ?? "");
            if (paths[i] is null || !File.Exists(full)) throw new ModelPackageException($"{ModelPackageFiles.Manifest}: files[{i}] '{paths[i]}' is not in {directory}");
            var (sha, bytes) = await ModelPackageFiles.HashFileAsync(full, ct);
            files.Add(new ModelFile(paths[i]!, sha, bytes));
        }

        var manifest = draft with { Files = files, TimeUtc = draft.TimeUtc == default ? now : draft.TimeUtc };
        var reasons = manifest.Validate(now);
        if (reasons.Count > 0) throw new ModelPackageException($"{ModelPackageFiles.Manifest}: {string.Join("; ", reasons)}");

        var bytesToSign = ContractJson.Serialize(manifest);
        var signature = new ManifestSignature { KeyId = keyId, Signature = Convert.ToBase64String(key.SignData(bytesToSign, HashAlgorithmName.SHA256)) };
        await File.WriteAllBytesAsync(manifestPath, bytesToSign, ct);
        await File.WriteAllBytesAsync(Path.Combine(directory, ModelPackageFiles.Signature), ModelPackageFiles.SerializeSignature(signature), ct);
        return manifest;
    }
}

/// <summary>A package that cannot be signed, uploaded or accepted; the message says what to fix.</summary>
public sealed class ModelPackageException(string message) : Exception(message);
