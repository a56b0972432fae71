using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VideoAnalytics.Edge.Hosting.Commands;
using VideoAnalytics.Edge.Spool;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Gating;

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

    /// <summary>
    /// A labels CSV in <paramref name="dir"/> with the first <c>Count</c> videos of each (source group, label) pick from
    /// the real <c>fight_labels.csv</c>; returns its path and the videos.
    /// </summary>
    public static (string Csv, List<LabelledVideo> Videos) WriteLabels(string dir, params (string Group, bool Fight, int Count)[] picks)
    {
        var all = LabelledVideos.Read(TestEnvironment.FightLabelsCsv);
        var subset = picks.SelectMany(p => all.Where(v => v.Group == p.Group && v.Fight == p.Fight).Take(p.Count)).ToList();
        var csv = Path.Combine(dir, "labels.csv");
        File.WriteAllLines(csv, ["file,label,source,source_group", .. subset.Select(v => $"{v.Path},{(v.Fight ? "fight" : "nofight")},test,{v.Group}")]);
        return (csv, subset);
    }

    public static string PoseManifest => Path.Combine(TestEnvironment.RepoRoot, "deploy", "models", "simplepose", "manifest.json");

    public static string PoseModel => TestEnvironment.Models("ultralight_simplepose", "ultralight_nano_simplepose_256x192.onnx");

    /// <summary>Runs the agent (<c>va-edge run</c>) on <paramref name="config"/> into <paramref name="spool"/>: its exit code and what it wrote to stderr.</summary>
    public static async Task<(int Exit, string Errors)> RunAgentAsync(string config, ISpool spool, int timeoutSeconds = 120)
    {
        var errors = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var exit = await RunCommand.RunAsync(config, null, b => b.Services.AddSingleton<ISpool>(spool), errors, cts.Token);
        return (exit, errors.ToString());
    }

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
