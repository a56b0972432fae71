using System.Text.Json;
using System.Text.Json.Nodes;
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

    public static string PoseManifest => Path.Combine(TestEnvironment.RepoRoot, "deploy", "models", "simplepose", "manifest.json");

    public static string PoseModel => TestEnvironment.Models("ultralight_simplepose", "ultralight_nano_simplepose_256x192.onnx");

    /// <summary>An agent configuration file in <paramref name="dir"/>: one camera, the real detector, the given gate heads.</summary>
    public static string WriteAgentConfig(string dir, string heads, JsonObject camera, JsonObject? encoder = null, JsonObject? pose = null)
    {
        var config = new JsonObject
        {
            ["Edge"] = new JsonObject
            {
                ["Device"] = new JsonObject { ["Branch"] = "test-branch", ["Site"] = "test-site", ["Device"] = "test-edge" },
                ["Cameras"] = new JsonArray(camera),
                ["Detector"] = new JsonObject { ["Manifest"] = DetectorManifest, ["ModelFile"] = TestEnvironment.YoloxNano },
                ["Gate"] = new JsonObject { ["Heads"] = heads, ["PreRollSeconds"] = 1, ["PostRollSeconds"] = 1, ["CooldownSeconds"] = 0 },
                ["Tracks"] = new JsonObject { ["BatchSeconds"] = 0.5, ["MinTrackSeconds"] = 0 },
            },
        };
        if (encoder is not null) config["Edge"]!["Encoder"] = encoder;
        if (pose is not null) config["Edge"]!["Pose"] = pose;
        var path = Path.Combine(dir, $"config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }
}
