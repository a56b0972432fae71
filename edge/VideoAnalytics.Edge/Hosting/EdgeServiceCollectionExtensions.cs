using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VideoAnalytics.Edge.Device;
using VideoAnalytics.Edge.Perception;
using VideoAnalytics.Edge.Pipeline;
using VideoAnalytics.Edge.Uplink;

namespace VideoAnalytics.Edge.Hosting;

public static class EdgeServiceCollectionExtensions
{
    /// <summary>
    /// The edge pipeline: options (bound strictly, validated at start), counters and the agent, which is also the
    /// <see cref="IDeviceHealthSource"/> of the status message. Call it before <c>services.AddUplink(configuration)</c>
    /// (which provides the <see cref="Spool.ISpool"/> the agent writes into).
    /// </summary>
    public static IServiceCollection AddEdgePipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EdgeOptions>().Configure(o => EdgeOptions.Bind(configuration.GetSection(EdgeConfiguration.Section), o)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EdgeOptions>, EdgeOptionsValidator>();
        services.AddSingleton<EdgeCounters>();
        services.AddSingleton<StageTimings>();
        services.AddSingleton<EdgeAgent>();
        services.AddSingleton<IDeviceHealthSource>(sp => sp.GetRequiredService<EdgeAgent>());
        services.AddHostedService(sp => sp.GetRequiredService<EdgeAgent>());
        return services;
    }
}
