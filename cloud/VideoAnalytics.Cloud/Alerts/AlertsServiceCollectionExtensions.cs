using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using VideoAnalytics.Cloud.Messaging;

namespace VideoAnalytics.Cloud.Alerts;

public static class AlertsServiceCollectionExtensions
{
    /// <summary>
    /// Alerts (section <c>Cloud:Alerts</c>, broker <c>Cloud:Mqtt</c>): the store, the live feed every silo serves, and the
    /// outbox that sends each change to the site's MQTT topic and the webhooks. Uses the host's <c>NpgsqlDataSource</c>.
    /// </summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<AlertOptions>().Bind(config.GetSection(AlertOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CloudMqttOptions>().Bind(config.GetSection(CloudMqttOptions.Section));
        services.AddHttpClient(WebhookSender.HttpClientName).ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<AlertStore>();
        services.AddSingleton<PostgresAlertFeed>();
        services.AddSingleton<IAlertFeed>(sp => sp.GetRequiredService<PostgresAlertFeed>());
        services.AddHostedService(sp => sp.GetRequiredService<PostgresAlertFeed>());
        services.AddSingleton(sp => AlertOutboxTargets.From(
            sp.GetRequiredService<IOptions<AlertOptions>>().Value, sp.GetRequiredService<AlertMqttPublisher>()));
        services.AddSingleton<AlertMqttPublisher>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<AlertOutbox>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertOutbox>());
        return services;
    }
}
