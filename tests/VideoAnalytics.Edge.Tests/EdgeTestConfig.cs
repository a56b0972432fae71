using Microsoft.Extensions.Configuration;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Edge.Tests;

/// <summary>Configuration pointing at the real detector package (manifest in the repo, ONNX file in ../shared).</summary>
internal static class EdgeTestConfig
{
    public static string DetectorManifest => Path.Combine(TestEnvironment.RepoRoot, "deploy", "models", "yolox-nano", "manifest.json");

    public static string DefaultGateHeads => Path.Combine(TestEnvironment.RepoRoot, "deploy", "models", "fight-gate", "heads.json");

    public static IConfiguration Detector() => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Edge:Detector:Manifest"] = DetectorManifest,
        ["Edge:Detector:ModelFile"] = TestEnvironment.YoloxNano,
        ["Edge:Detector:Classes:0"] = "person",
    }).Build();
}
