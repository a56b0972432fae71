using System.Security.Cryptography;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Contracts.Serialization;

namespace VideoAnalytics.Vision.Onnx;

/// <summary>A validated manifest plus the resolved path of the file it describes.</summary>
public sealed record ModelPackage(ModelManifest Manifest, string ManifestPath, string ModelPath)
{
    /// <summary>The manifest entry for <see cref="ModelPath"/>: the entry with the same file name, else the only entry.</summary>
    public ModelFile? ModelFileEntry
    {
        get
        {
            var fileName = Path.GetFileName(ModelPath);
            foreach (var f in Manifest.Files)
            {
                if (string.Equals(f.Path, fileName, StringComparison.Ordinal)) return f;
            }
            return Manifest.Files.Count == 1 ? Manifest.Files[0] : null;
        }
    }

    /// <summary>Checks the model file's SHA-256 against its manifest entry; throws <see cref="ModelLoadException"/> naming the file.</summary>
    public void VerifyFileHash()
    {
        if (ModelFileEntry is not { } entry) throw new ModelLoadException($"manifest '{ManifestPath}' lists no entry for '{Path.GetFileName(ModelPath)}', so its hash cannot be checked");
        using var stream = File.OpenRead(ModelPath);
        var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (!string.Equals(actual, entry.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelLoadException($"model file '{ModelPath}' has SHA-256 {actual} but manifest '{ManifestPath}' says {entry.Sha256}");
        }
    }
}

/// <summary>Where a model comes from in configuration: its manifest and, optionally, the model file elsewhere.</summary>
public sealed class ModelPackageOptions
{
    /// <summary>Path of <c>manifest.json</c>.</summary>
    public string Manifest { get; set; } = "";

    /// <summary>Path of the model file; when empty, the manifest's first file beside the manifest.</summary>
    public string? ModelFile { get; set; }

    public IReadOnlyList<string> Validate(string key)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Manifest)) errors.Add($"{key}:Manifest is required (path of the model's manifest.json)");
        else if (!File.Exists(Manifest)) errors.Add($"{key}:Manifest file '{Path.GetFullPath(Manifest)}' does not exist");
        if (!string.IsNullOrWhiteSpace(ModelFile) && !File.Exists(ModelFile)) errors.Add($"{key}:ModelFile '{Path.GetFullPath(ModelFile)}' does not exist");
        return errors;
    }
}

/// <summary>Reads and validates model manifests and resolves the model file they describe.</summary>
public static class ModelPackageLoader
{
    private const int MaxManifestBytes = 1 << 20;

    public static ModelPackage Load(ModelPackageOptions options) => Load(options.Manifest, options.ModelFile);

    /// <summary>
    /// Loads <paramref name="manifestPath"/>; the model file is <paramref name="modelPath"/> when given, else the
    /// manifest's first file in the manifest's folder. Throws <see cref="ModelLoadException"/> naming the path on any problem.
    /// </summary>
    public static ModelPackage Load(string manifestPath, string? modelPath = null)
    {
        var fullManifest = Path.GetFullPath(manifestPath);
        if (!File.Exists(fullManifest)) throw new ModelLoadException($"model manifest '{fullManifest}' does not exist");
        var bytes = File.ReadAllBytes(fullManifest);
        if (bytes.Length > MaxManifestBytes) throw new ModelLoadException($"model manifest '{fullManifest}' is {bytes.Length} bytes, over {MaxManifestBytes}");
        if (!ContractJson.TryRead<ModelManifest>(bytes, DateTimeOffset.UtcNow, out var manifest, out var error))
        {
            throw new ModelLoadException($"model manifest '{fullManifest}' is invalid: {error}");
        }
        var resolved = string.IsNullOrWhiteSpace(modelPath)
            ? Path.Combine(Path.GetDirectoryName(fullManifest)!, manifest.Files[0].Path)
            : Path.GetFullPath(modelPath);
        if (!File.Exists(resolved)) throw new ModelLoadException($"model file '{resolved}' of '{manifest.Name}' (manifest '{fullManifest}') does not exist");
        return new ModelPackage(manifest, fullManifest, resolved);
    }
}
