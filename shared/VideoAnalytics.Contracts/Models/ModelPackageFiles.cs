using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoAnalytics.Contracts.Models;

/// <summary>
/// <c>manifest.sig</c> beside <c>manifest.json</c>: an ECDSA P-256 signature (SHA-256, IEEE P1363 r‖s, base64) over
/// the exact bytes of <c>manifest.json</c>, and the id of the key that made it.
/// </summary>
public sealed record ManifestSignature
{
    public const string CurrentSchema = "va.model.sig.v1";
    public const string EcdsaP256Sha256 = "ecdsa-p256-sha256";

    public string Schema { get; init; } = CurrentSchema;
    public required string KeyId { get; init; }
    public string Algorithm { get; init; } = EcdsaP256Sha256;
    public required string Signature { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ManifestSignature))]
public sealed partial class ModelPackageJsonContext : JsonSerializerContext;

/// <summary>File names and hashing shared by signing, verification, the registry and the edge downloader.</summary>
public static class ModelPackageFiles
{
    public const string Manifest = "manifest.json";
    public const string Signature = "manifest.sig";
    public const int MaxManifestBytes = 1024 * 1024;
    public const int MaxSignatureBytes = 4096;

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static async Task<(string Sha256, long Bytes)> HashFileAsync(string path, CancellationToken ct)
    {
        await using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var hash = await SHA256.HashDataAsync(s, ct);
        return (Convert.ToHexStringLower(hash), s.Length);
    }

    public static byte[] SerializeSignature(ManifestSignature sig) =>
        JsonSerializer.SerializeToUtf8Bytes(sig, ModelPackageJsonContext.Default.ManifestSignature);

    /// <summary>Reads <c>manifest.sig</c>; never throws for bad input.</summary>
    public static bool TryReadSignature(ReadOnlySpan<byte> bytes, out ManifestSignature sig, out string error)
    {
        sig = null!;
        if (bytes.Length is 0 or > MaxSignatureBytes) { error = $"{Signature} is empty or over {MaxSignatureBytes} bytes"; return false; }
        try
        {
            var parsed = JsonSerializer.Deserialize(bytes, ModelPackageJsonContext.Default.ManifestSignature);
            if (parsed is null) { error = $"{Signature} is JSON null"; return false; }
            if (parsed.Schema != ManifestSignature.CurrentSchema) { error = $"{Signature}: schema is '{parsed.Schema}', expected '{ManifestSignature.CurrentSchema}'"; return false; }
            if (parsed.Algorithm != ManifestSignature.EcdsaP256Sha256) { error = $"{Signature}: algorithm '{parsed.Algorithm}' is not supported (only {ManifestSignature.EcdsaP256Sha256})"; return false; }
            if (!ModelSigningKeys.IsValidKeyId(parsed.KeyId)) { error = $"{Signature}: keyId is not a valid key id"; return false; }
            sig = parsed;
            error = "";
            return true;
        }
        catch (JsonException e)
        {
            error = $"{Signature} is not valid JSON: {e.Message.Split('.')[0]}";
            return false;
        }
    }
}
