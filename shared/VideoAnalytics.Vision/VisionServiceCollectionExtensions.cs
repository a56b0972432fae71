using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Encoding;
using VideoAnalytics.Vision.Onnx;
using VideoAnalytics.Vision.Tracking;

namespace VideoAnalytics.Vision;

/// <summary>DI wiring for hosts (edge agent, cloud) that run models from this library.</summary>
public static class VisionServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates at start-up the sections <c>Onnx</c>, <c>Detector</c>, <c>Tracker</c> and <c>Encoder</c>,
    /// and registers a singleton <see cref="OnnxSessionFactory"/>. Models themselves are created by the caller
    /// (per camera, and swapped on model updates) from <see cref="ModelPackageLoader"/> packages.
    /// </summary>
    public static IServiceCollection AddVision(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<OnnxRuntimeOptions>(configuration, OnnxRuntimeOptions.SectionName, o => o.Validate());
        services.AddValidatedOptions<YoloDetectorOptions>(configuration, YoloDetectorOptions.SectionName, o => o.Validate());
        services.AddValidatedOptions<ByteTrackerOptions>(configuration, ByteTrackerOptions.SectionName, o => o.Validate());
        services.AddValidatedOptions<ImageEncoderOptions>(configuration, ImageEncoderOptions.SectionName, o => o.Validate());
        services.AddSingleton(sp => new OnnxSessionFactory(
            sp.GetRequiredService<IOptions<OnnxRuntimeOptions>>().Value, sp.GetService<ILogger<OnnxSessionFactory>>()));
        return services;
    }

    private static void AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section, Func<T, IReadOnlyList<string>> validate)
        where T : class
    {
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new ListValidator<T>(validate));
    }

    private sealed class ListValidator<T>(Func<T, IReadOnlyList<string>> validate) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var errors = validate(options);
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
