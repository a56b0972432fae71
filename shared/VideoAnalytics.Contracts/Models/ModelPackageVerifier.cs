using System.Security.Cryptography;
using VideoAnalytics.Contracts.Serialization;

namespace VideoAnalytics.Contracts.Models;

/// <summary>The outcome of checking a package: the manifest when it is good, otherwise the reasons it was rejected.</summary>
public sealed record PackageVerification(ModelManifest? Manifest, ManifestSignature? Signature, byte[] ManifestBytes, IReadOnlyList<string> Errors)
{
    public bool IsValid => Errors.Count == 0 && Manifest is not null;

    public string ManifestSha256 => ModelPackageFiles.Sha256Hex(ManifestBytes);

    public string ErrorText => string.Join("; ", Errors);
}

/// <summary>
/// Checks a package directory: manifest schema, signature by a trusted key over the exact manifest bytes, and the
/// size and SHA-256 of every file. Never throws for bad packages; every failure comes back as a reason that says what
/// to fix. With <c>trusted</c> null only the signature file's form is checked (the CLI before an upload; the cloud and
/// the edge check the key).
/// </summary>
public static class ModelPackageVerifier
{
    public static async Task<PackageVerification> VerifyDirectoryAsync(
        string directory, TrustedModelKeys? trusted, DateTimeOffset now, CancellationToken ct, string? expectedManifestSha256 = null)
    {
        var errors = new List<string>();
        var manifestPath = Path.Combine(directory, ModelPackageFiles.Manifest);
        var sigPath = Path.Combine(directory, ModelPackageFiles.Signature);
        if (!File.Exists(manifestPath)) return Fail($"{ModelPackageFiles.Manifest} is missing");
        if (new FileInfo(manifestPath).Length > ModelPackageFiles.MaxManifestBytes) return Fail($"{ModelPackageFiles.Manifest} is over {ModelPackageFiles.MaxManifestBytes} bytes");
        if (!File.Exists(sigPath)) return Fail($"{ModelPackageFiles.Signature} is missing — sign the package with va models sign");
        var manifestBytes = await File.ReadAllBytesAsync(manifestPath, ct);
        var sigBytes = new FileInfo(sigPath).Length > ModelPackageFiles.MaxSignatureBytes ? [] : await File.ReadAllBytesAsync(sigPath, ct);

        ManifestSignature? signature;
        if (trusted is not null) signature = CheckSignature(manifestBytes, sigBytes, trusted, errors);
        else if (!ModelPackageFiles.TryReadSignature(sigBytes, out signature, out var sigError)) errors.Add(sigError);
        if (expectedManifestSha256 is not null && ModelPackageFiles.Sha256Hex(manifestBytes) != expectedManifestSha256)
            errors.Add($"{ModelPackageFiles.Manifest}: SHA-256 differs from the one in the desired state (package changed after it was assigned)");
        if (!ContractJson.TryRead<ModelManifest>(manifestBytes, now, out var manifest, out var why))
        {
            errors.Add($"{ModelPackageFiles.Manifest}: {why}");
            return new PackageVerification(null, signature, manifestBytes, errors);
        }

        for (var i = 0; i < manifest.Files.Count; i++)
        {
            var f = manifest.Files[i];
            var full = Path.Combine(directory, f.Path);
            if (!File.Exists(full)) { errors.Add($"{ModelPackageFiles.Manifest}: files[{i}] {f.Path} is missing from the package"); continue; }
            var (sha, bytes) = await ModelPackageFiles.HashFileAsync(full, ct);
            if (bytes != f.Bytes) errors.Add($"{ModelPackageFiles.Manifest}: files[{i}].bytes is {f.Bytes} but {f.Path} has {bytes} — re-run va models sign");
            else if (sha != f.Sha256) errors.Add($"{ModelPackageFiles.Manifest}: files[{i}].sha256 does not match {f.Path} — re-run va models sign");
        }
        return new PackageVerification(manifest, signature, manifestBytes, errors);

        PackageVerification Fail(string reason) => new(null, null, [], [reason]);
    }

    /// <summary>Checks <c>manifest.sig</c> against the exact manifest bytes; adds a reason and returns what it could read.</summary>
    public static ManifestSignature? CheckSignature(byte[] manifestBytes, ReadOnlySpan<byte> sigBytes, TrustedModelKeys trusted, List<string> errors)
    {
        if (!ModelPackageFiles.TryReadSignature(sigBytes, out var sig, out var error)) { errors.Add(error); return null; }
        if (!trusted.TryGet(sig.KeyId, out var key))
        {
            errors.Add($"{ModelPackageFiles.Signature}: key '{sig.KeyId}' is not trusted here (trusted: {(trusted.KeyIds.Count == 0 ? "none configured" : string.Join(", ", trusted.KeyIds))})");
            return sig;
        }
        byte[] raw;
        try { raw = Convert.FromBase64String(sig.Signature); }
        catch (FormatException) { errors.Add($"{ModelPackageFiles.Signature}: signature is not base64"); return sig; }
        if (!key.VerifyData(manifestBytes, raw, HashAlgorithmName.SHA256))
            errors.Add($"{ModelPackageFiles.Signature}: signature by key '{sig.KeyId}' does not match {ModelPackageFiles.Manifest} — the manifest changed after signing or was signed with another key; re-run va models sign");
        return sig;
    }
}
