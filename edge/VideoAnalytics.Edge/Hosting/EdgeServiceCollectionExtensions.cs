using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VideoAnalytics.Edge.Perception;

namespace VideoAnalytics.Edge.Hosting;

public static class EdgeServiceCollectionExtensions
{
    /// <summary>
    /// The edge pipeline: options (bound strictly, validated at start), counters and the agent. The spool
    /// (<see cref="Uplink.Spool.ISpool"/>) and the MQTT uplink come from <c>services.AddUplink(configuration)</c>.
    /// </summary>
    public static IServiceCollection AddEdgePipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EdgeOptions>().Configure(o => EdgeOptions.Bind(configuration, o)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EdgeOptions>, EdgeOptionsValidator>();
        services.AddSingleton<EdgeCounters>();
        services.AddSingleton<StageTimings>();
        services.AddSingleton<EdgeAgent>();
        services.AddSingleton<ICameraHealthSource>(sp => sp.GetRequiredService<EdgeAgent>());
        services.AddHostedService(sp => sp.GetRequiredService<EdgeAgent>());
        return services;
    }
}
