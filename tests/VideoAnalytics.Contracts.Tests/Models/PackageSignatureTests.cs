using System.Text;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Contracts.Tests.Models;

public sealed class PackageSignatureTests : IDisposable
{
    private readonly string _dir = TestEnvironment.NewTempDir("va-pkg");
    private readonly (string Private, string Public) _org = ModelSigningKeys.Create();
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<ModelManifest> WriteSignedPackageAsync(string keyId = "org-2026")
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "heads.json"), "{\"heads\":[]}");
        await File.WriteAllTextAsync(Path.Combine(_dir, ModelPackageFiles.Manifest),
            """{"schema":"va.model.v1","name":"gate-heads","kind":"heads","version":"1.0.0","thresholds":{"fight.high":0.8},"files":[]}""");
        using var key = ModelSigningKeys.Load(_org.Private, "test key");
        return await ModelPackageSigner.SignAsync(_dir, key, keyId, _now, CancellationToken.None);
    }

    private TrustedModelKeys Trust(string keyId, string publicPem) =>
        TrustedModelKeys.FromConfiguration(new Dictionary<string, string> { [keyId] = publicPem }, "Edge:Models:TrustedKeys");

    [Fact]
    public async Task A_signed_package_verifies_with_its_files_hashed()
    {
        var signed = await WriteSignedPackageAsync();
        using var trusted = Trust("org-2026", _org.Public);
        var result = await ModelPackageVerifier.VerifyDirectoryAsync(_dir, trusted, _now, CancellationToken.None);
        Assert.True(result.IsValid, result.ErrorText);
        var file = Assert.Single(result.Manifest!.Files);
        Assert.Equal("heads.json", file.Path);
        Assert.Equal(signed.Files[0].Sha256, file.Sha256);
        Assert.Equal("org-2026", result.Signature!.KeyId);
    }

    [Fact]
    public async Task A_tampered_file_is_rejected_naming_the_file()
    {
        await WriteSignedPackageAsync();
        await File.WriteAllTextAsync(Path.Combine(_dir, "heads.json"), "{\"heads\":[1]}");
        using var trusted = Trust("org-2026", _org.Public);
        var result = await ModelPackageVerifier.VerifyDirectoryAsync(_dir, trusted, _now, CancellationToken.None);
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Contains("files[0]", StringComparison.Ordinal) && e.Contains("heads.json", StringComparison.Ordinal) && e.Contains("va models sign", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_manifest_changed_after_signing_fails_the_signature()
    {
        await WriteSignedPackageAsync();
        var path = Path.Combine(_dir, ModelPackageFiles.Manifest);
        var text = await File.ReadAllTextAsync(path);
        await File.WriteAllTextAsync(path, text.Replace("0.8", "0.1", StringComparison.Ordinal), Encoding.UTF8);
        using var trusted = Trust("org-2026", _org.Public);
        var result = await ModelPackageVerifier.VerifyDirectoryAsync(_dir, trusted, _now, CancellationToken.None);
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Contains("does not match manifest.json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_signature_by_another_key_under_a_trusted_id_is_rejected()
    {
        await WriteSignedPackageAsync();
        var impostor = ModelSigningKeys.Create();
        using var trusted = Trust("org-2026", impostor.PublicPem);
        var result = await ModelPackageVerifier.VerifyDirectoryAsync(_dir, trusted, _now, CancellationToken.None);
        Assert.Contains(result.Errors, e => e.Contains("signature by key 'org-2026' does not match", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_package_signed_by_an_unknown_key_is_rejected()
    {
        await WriteSignedPackageAsync(keyId: "rogue");
        using var trusted = Trust("org-2026", _org.Public);
        var result = await ModelPackageVerifier.VerifyDirectoryAsync(_dir, trusted, _now, CancellationToken.None);
        Assert.Contains(result.Errors, e => e.Contains("key 'rogue' is not trusted here (trusted: org-2026)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_garbled_signature_file_is_rejected_with_a_reason()
    {
        await WriteSignedPackageAsync();
        await File.WriteAllTextAsync(Path.Combine(_dir, ModelPackageFiles.Signature), "{not json");
        using var trusted = Trust("org-2026", _org.Public);
        var result = await ModelPackageVerifier.VerifyDirectoryAsync(_dir, trusted, _now, CancellationToken.None);
        Assert.Contains(result.Errors, e => e.StartsWith("manifest.sig is not valid JSON", StringComparison.Ordinal));
    }

    [Fact]
    public void Key_ids_come_from_the_key_file_name_or_the_fingerprint()
    {
        using var key = ModelSigningKeys.Load(_org.Private, "test key");
        Assert.Equal("org-2026", ModelSigningKeys.KeyIdFromFile("/keys/org-2026.private.pem", key));
        Assert.Matches("^k-[0-9a-f]{16}$", ModelSigningKeys.KeyIdFromFile("/keys/whatever.pem", key));
        Assert.Throws<ArgumentException>(() => ModelSigningKeys.Load("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "bad"));
    }
}
