using Microsoft.Extensions.Configuration;
using VideoAnalytics.Edge.Perception;
using VideoAnalytics.Vision.Gating;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Edge.Hosting;

/// <summary>Where configuration comes from: appsettings.json beside the binary, an optional --config file, then VA_ environment variables (VA_Edge__Gate__Heads=…).</summary>
public static class EdgeConfiguration
{
    public const string Section = "Edge";

    public static IConfigurationBuilder AddEdgeSources(this IConfigurationBuilder builder, string? configFile)
    {
        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        if (configFile is not null)
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full)) throw new FileNotFoundException($"config file '{full}' does not exist", full);
            builder.AddJsonFile(full, optional: false);
        }
        return builder.AddEnvironmentVariables("VA_");
    }

    public static IConfigurationRoot Build(string? configFile) => new ConfigurationBuilder().AddEdgeSources(configFile).Build();

    public static DetectorOptions Detector(IConfiguration configuration) =>
        configuration.GetSection($"{Section}:Detector").Get<DetectorOptions>() ?? new DetectorOptions();

    public static PoseOptions Pose(IConfiguration configuration) =>
        configuration.GetSection($"{Section}:Pose").Get<PoseOptions>() ?? new PoseOptions();

    /// <summary>The configured pose stage for the gate, or null when <c>Edge:Pose</c> is off.</summary>
    public static PoseMotion? LoadPose(IConfiguration configuration) => Pose(configuration).CreateMotion(Onnx(configuration));

    public static OnnxRuntimeOptions Onnx(IConfiguration configuration) =>
        configuration.GetSection($"{Section}:Onnx").Get<OnnxRuntimeOptions>() ?? new OnnxRuntimeOptions();
}
