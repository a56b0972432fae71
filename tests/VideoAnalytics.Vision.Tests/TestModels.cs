using Microsoft.Extensions.Logging;
using OpenCvSharp;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Vision.Tests;

/// <summary>The committed dev manifests paired with the reference model files in <c>../shared/models</c>.</summary>
internal static class TestModels
{
    public static string Manifest(string name) => Path.Combine(TestEnvironment.RepoRoot, "deploy", "models", name, "manifest.json");

    public static ModelPackage YoloxNano => ModelPackageLoader.Load(Manifest("yolox-nano"), TestEnvironment.YoloxNano);

    public static ModelPackage Osnet => ModelPackageLoader.Load(Manifest("osnet-x0-25"), TestEnvironment.Models("osnet_x0_25_msmt17", "osnet_x0_25_msmt17.onnx"));

    public static ModelPackage OmzReid => ModelPackageLoader.Load(Manifest("omz-reid-0287"), TestEnvironment.Models("person_reid_omz_0287", "person-reidentification-retail-0287.onnx"));

    public static ModelPackage SimplePose => ModelPackageLoader.Load(Manifest("simplepose"), TestEnvironment.Models("ultralight_simplepose", "ultralight_nano_simplepose_256x192.onnx"));

    public static OnnxSessionFactory Factory(ILoggerFactory? logs = null, string providers = "cpu") =>
        new(new OnnxRuntimeOptions { ExecutionProviders = providers, IntraOpThreads = 2 }, logs?.CreateLogger<OnnxSessionFactory>());

    public static YoloDetector PersonDetector(float score = 0.3f) =>
        new(Factory().Create(YoloxNano), new YoloDetectorOptions { Classes = ["person"], ScoreThreshold = score });

    /// <summary>Reads frame <paramref name="index"/> of a video as BGR.</summary>
    public static Mat ReadFrame(string video, int index)
    {
        using var capture = new VideoCapture(video);
        if (!capture.IsOpened()) throw new InvalidOperationException($"cannot open {video}");
        capture.Set(VideoCaptureProperties.PosFrames, index);
        var frame = new Mat();
        if (!capture.Read(frame) || frame.Empty()) throw new InvalidOperationException($"cannot read frame {index} of {video}");
        return frame;
    }
}
