using System.Security.Cryptography;
using VideoAnalytics.Contracts.Identity;

namespace VideoAnalytics.Contracts.Models;

/// <summary>The organisation's model-signing keys: ECDSA P-256, stored as PEM (PKCS#8 private, SPKI public).</summary>
public static class ModelSigningKeys
{
    public const string PrivateKeySuffix = ".private.pem";
    public const string PublicKeySuffix = ".public.pem";

    public static bool IsValidKeyId(string? keyId) => Slug.IsValid(keyId, 64);

    /// <summary>A new key pair as PEM text.</summary>
    public static (string PrivatePem, string PublicPem) Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (key.ExportPkcs8PrivateKeyPem(), key.ExportSubjectPublicKeyInfoPem());
    }

    /// <summary>A key id derived from the public key: <c>k-</c> and the first 16 hex digits of SHA-256 of its SPKI.</summary>
    public static string Fingerprint(ECDsa key) =>
        "k-" + ModelPackageFiles.Sha256Hex(key.ExportSubjectPublicKeyInfo())[..16];

    /// <summary>Loads a P-256 key (private or public) from PEM; throws <see cref="ArgumentException"/> saying what is wrong.</summary>
    public static ECDsa Load(string pem, string what)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new ArgumentException($"{what} is not an EC key in PEM form: {e.Message}", nameof(pem), e);
        }
        if (key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.FriendlyName is not ("nistP256" or "ECDSA_P256"))
        {
            key.Dispose();
            throw new ArgumentException($"{what} is not a P-256 key", nameof(pem));
        }
        return key;
    }

    /// <summary>The key id a key file names: <c>{id}.private.pem</c> → <c>id</c>; otherwise the key's fingerprint.</summary>
    public static string KeyIdFromFile(string path, ECDsa key)
    {
        var name = Path.GetFileName(path);
        foreach (var suffix in new[] { PrivateKeySuffix, PublicKeySuffix })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && IsValidKeyId(name[..^suffix.Length])) return name[..^suffix.Length];
        }
        return Fingerprint(key);
    }
}

/// <summary>Public keys a reader trusts, by key id. Only packages signed by one of them are accepted.</summary>
public sealed class TrustedModelKeys : IDisposable
{
    private readonly Dictionary<string, ECDsa> _keys;

    private TrustedModelKeys(Dictionary<string, ECDsa> keys) => _keys = keys;

    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    /// <summary>From key id → PEM text or path of a PEM file (configuration values).</summary>
    public static TrustedModelKeys FromConfiguration(IReadOnlyDictionary<string, string> keys, string configPath)
    {
        var loaded = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        foreach (var (id, value) in keys)
        {
            if (!ModelSigningKeys.IsValidKeyId(id)) throw new ArgumentException($"{configPath}:{id}: key id is not valid (1-64 of a-z, 0-9, '-')");
            var pem = value.Contains("-----BEGIN", StringComparison.Ordinal) ? value
                : File.Exists(value) ? File.ReadAllText(value)
                : throw new ArgumentException($"{configPath}:{id}: neither PEM text nor an existing file: '{value}'");
            loaded[id] = ModelSigningKeys.Load(pem, $"{configPath}:{id}");
        }
        return new TrustedModelKeys(loaded);
    }

    public bool TryGet(string keyId, out ECDsa key) => _keys.TryGetValue(keyId, out key!);

    public void Dispose()
    {
        foreach (var k in _keys.Values) k.Dispose();
    }
}
