using Microsoft.Extensions.Configuration;
using VideoAnalytics.Edge.Perception;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Gating;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Benchmarks;

/// <summary>The detector (and optional encoder) the edge benchmarks run: the repo's manifests, the models in ../shared.</summary>
internal static class EdgeBenchmarkSetup
{
    public static string RepoPath(params string[] parts) => Path.Combine([TestEnvironment.RepoRoot, .. parts]);

    public static DetectorOptions Detector(BenchmarkArgs args) => new()
    {
        Manifest = args.Get("manifest") ?? RepoPath("deploy", "models", "yolox-nano", "manifest.json"),
        ModelFile = args.Get("model") ?? TestEnvironment.YoloxNano,
        Classes = ["person"],
    };

    public static IConfiguration Configuration(BenchmarkArgs args)
    {
        var d = Detector(args);
        return new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Edge:Detector:Manifest"] = d.Manifest, ["Edge:Detector:ModelFile"] = d.ModelFile, ["Edge:Detector:Classes:0"] = "person",
        }).Build();
    }

    public static YoloDetector LoadDetector(BenchmarkArgs args) => DetectorLoader.Load(Detector(args), new OnnxRuntimeOptions());

    /// <summary>With <c>--pose</c>: the pose stage on the reference SimplePose model (development and evaluation only).</summary>
    public static PoseMotion? LoadPose(BenchmarkArgs args) => !args.Has("pose") ? null : new PoseOptions
    {
        Manifest = RepoPath("deploy", "models", "simplepose", "manifest.json"),
        ModelFile = TestEnvironment.Models("ultralight_simplepose", "ultralight_nano_simplepose_256x192.onnx"),
    }.CreateMotion(new OnnxRuntimeOptions());
}
