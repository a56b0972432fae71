using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Edge.Uplink;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Edge.Models;

public static class ModelManagerServiceCollectionExtensions
{
    /// <summary>
    /// The edge model manager (section <c>Edge:Models</c>): receives <c>models/desired</c> from the uplink
    /// (<see cref="IDesiredModelsHandler"/>), reports through <see cref="IDeviceUplink"/>, and exposes
    /// <see cref="ModelSlots"/> for the pipeline. Needs <c>AddUplink</c> and an <see cref="OnnxSessionFactory"/> (registered
    /// here from section <c>Onnx</c> unless the host has one).
    /// </summary>
    public static IServiceCollection AddModelManager(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<ModelManagerOptions>().Bind(config.GetSection(ModelManagerOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelManagerOptions>, ModelManagerOptionsValidator>());
        services.TryAddSingleton(sp => TrustedModelKeys.FromConfiguration(sp.GetRequiredService<IOptions<ModelManagerOptions>>().Value.TrustedKeys, $"{ModelManagerOptions.Section}:TrustedKeys"));
        services.TryAddSingleton(sp => new OnnxSessionFactory(config.GetSection(OnnxRuntimeOptions.SectionName).Get<OnnxRuntimeOptions>() ?? new OnnxRuntimeOptions(),
            sp.GetService<Microsoft.Extensions.Logging.ILogger<OnnxSessionFactory>>()));
        services.AddHttpClient<PackageDownloader>(c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelActivator, OnnxModelActivator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelActivator, GateHeadsActivator>());
        services.TryAddSingleton<ModelSlots>();
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<ModelManager>(sp, new Func<IDeviceUplink>(sp.GetRequiredService<IDeviceUplink>)));
        services.AddSingleton<IDesiredModelsHandler>(sp => sp.GetRequiredService<ModelManager>());
        services.AddHostedService(sp => sp.GetRequiredService<ModelManager>());
        return services;
    }
}
