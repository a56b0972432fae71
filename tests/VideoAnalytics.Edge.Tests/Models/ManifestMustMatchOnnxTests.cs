using Microsoft.Extensions.Options;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Edge.Models;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Edge.Tests.Models;

public class ManifestMustMatchOnnxTests
{
    private static readonly OnnxModelActivator Activator = new(new OnnxSessionFactory(new OnnxRuntimeOptions { IntraOpThreads = 1 }),
        Options.Create(new ModelManagerOptions { Directory = "unused", SelfTestMaxLatencyMs = 60_000 }));

    [Fact]
    public async Task A_manifest_whose_input_size_differs_from_the_onnx_file_is_refused_with_both_sizes()
    {
        using var package = await SignedTestPackage.CreateAsync("yolox-nano", TestEnvironment.YoloxNano, "9.0.0-bad-input", m =>
        {
            m["input"]!["width"] = 320;
            m["input"]!["height"] = 320;
        });
        // The package itself is well formed and signed: only the ONNX input metadata can tell.
        var check = await ModelPackageVerifier.VerifyDirectoryAsync(package.Directory, package.Trusted, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.True(check.IsValid, check.ErrorText);

        var e = await Assert.ThrowsAsync<ModelActivationException>(() => Activator.ActivateAsync(package.Directory, check.Manifest!, CancellationToken.None));
        Assert.Contains("[?,3,416,416]", e.Message.Replace("[1,", "[?,", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("320x320", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_real_yolox_package_loads_and_passes_its_self_test()
    {
        using var package = await SignedTestPackage.CreateAsync("yolox-nano", TestEnvironment.YoloxNano, "9.0.0");
        var check = await ModelPackageVerifier.VerifyDirectoryAsync(package.Directory, package.Trusted, DateTimeOffset.UtcNow, CancellationToken.None);
        using var instance = await Activator.ActivateAsync(package.Directory, check.Manifest!, CancellationToken.None);
        var session = Assert.IsType<ModelSession>(instance);
        Assert.Equal("yolox-nano", session.Manifest.Name);
    }

    [Fact]
    public async Task A_manifest_promising_another_output_shape_fails()
    {
        using var package = await SignedTestPackage.CreateAsync("yolox-nano", TestEnvironment.YoloxNano, "9.0.1-bad-output", m =>
            m["outputs"]![0]!["shape"] = new System.Text.Json.Nodes.JsonArray(1, 3549, 80));
        var check = await ModelPackageVerifier.VerifyDirectoryAsync(package.Directory, package.Trusted, DateTimeOffset.UtcNow, CancellationToken.None);
        var e = await Assert.ThrowsAsync<ModelActivationException>(() => Activator.ActivateAsync(package.Directory, check.Manifest!, CancellationToken.None));
        Assert.Contains("output 'output'", e.Message, StringComparison.Ordinal);
    }
}
