using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoAnalytics.Edge.Spool;

namespace VideoAnalytics.Edge.Uplink;

public static class UplinkServiceCollectionExtensions
{
    /// <summary>
    /// The durable spool (<see cref="ISpool"/>, section <c>Edge:Spool</c>) and the MQTT uplink that drains it
    /// (<see cref="IDeviceUplink"/>, hosted service, section <c>Edge:Mqtt</c>). Register an
    /// <see cref="IDeviceHealthSource"/> to report camera health and <see cref="IDesiredModelsHandler"/>s to receive
    /// model sets.
    /// </summary>
    public static IServiceCollection AddUplink(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SpoolOptions>().Bind(configuration.GetSection(SpoolOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SpoolOptions>, SpoolOptionsValidator>());
        services.AddOptions<MqttUplinkOptions>().Bind(configuration.GetSection(MqttUplinkOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MqttUplinkOptions>, MqttUplinkOptionsValidator>());
        services.TryAddSingleton<IDeviceHealthSource, EmptyDeviceHealthSource>();
        // The spool files items under the topics of the device the uplink connects as (Edge:Mqtt:DeviceId).
        services.AddSingleton(sp => new FileSpool(sp.GetRequiredService<IOptions<SpoolOptions>>().Value,
            sp.GetRequiredService<IOptions<MqttUplinkOptions>>().Value.Device, sp.GetRequiredService<ILogger<FileSpool>>()));
        services.AddSingleton<ISpool>(sp => sp.GetRequiredService<FileSpool>());
        services.AddSingleton<MqttUplink>();
        services.AddSingleton<IDeviceUplink>(sp => sp.GetRequiredService<MqttUplink>());
        services.AddHostedService(sp => sp.GetRequiredService<MqttUplink>());
        return services;
    }
}
