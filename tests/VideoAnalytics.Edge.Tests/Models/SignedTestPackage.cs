using System.Text.Json.Nodes;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Edge.Tests.Models;

/// <summary>A signed package in a temp folder, built from a dev manifest in deploy/models and the real ONNX file.</summary>
internal sealed class SignedTestPackage : IDisposable
{
    public const string KeyId = "test-org";

    private SignedTestPackage(string directory, TrustedModelKeys trusted)
    {
        Directory = directory;
        Trusted = trusted;
    }

    public string Directory { get; }
    public TrustedModelKeys Trusted { get; }

    /// <param name="edit">Changes the manifest JSON before signing (e.g. a wrong input size).</param>
    public static async Task<SignedTestPackage> CreateAsync(string deployManifest, string onnxFile, string version, Action<JsonObject>? edit = null)
    {
        var dir = TestEnvironment.NewTempDir("va-model");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepoRoot, "deploy", "models", deployManifest, "manifest.json")))!.AsObject();
        manifest["version"] = version;
        edit?.Invoke(manifest);
        await File.WriteAllTextAsync(Path.Combine(dir, ModelPackageFiles.Manifest), manifest.ToJsonString());
        File.Copy(onnxFile, Path.Combine(dir, Path.GetFileName(onnxFile)));
        var (privatePem, publicPem) = ModelSigningKeys.Create();
        using (var key = ModelSigningKeys.Load(privatePem, "test key"))
            await ModelPackageSigner.SignAsync(dir, key, KeyId, DateTimeOffset.UtcNow, CancellationToken.None);
        return new SignedTestPackage(dir, TrustedModelKeys.FromConfiguration(new Dictionary<string, string> { [KeyId] = publicPem }, "test"));
    }

    public void Dispose()
    {
        Trusted.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
