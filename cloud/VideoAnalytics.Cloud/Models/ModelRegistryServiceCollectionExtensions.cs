using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using VideoAnalytics.Cloud.Hosting.Security;
using VideoAnalytics.Cloud.Messaging;
using VideoAnalytics.Cloud.Models.Heads;
using VideoAnalytics.Cloud.Models.Rollout;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Cloud.Models;

public static class ModelRegistryServiceCollectionExtensions
{
    /// <summary>
    /// The model registry: options (<c>Cloud:Models</c>, <c>Cloud:Admin</c>), store, uploads, rollouts, the desired-state
    /// publisher, report handling and branch head training. Needs an <see cref="NpgsqlDataSource"/>, an
    /// <see cref="Storage.IClipStore"/> and Orleans (grain storage "Default") registered by the host.
    /// </summary>
    public static IServiceCollection AddModelRegistry(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<ModelRegistryOptions>().Bind(config.GetSection(ModelRegistryOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CloudMqttOptions>().Bind(config.GetSection(CloudMqttOptions.Section));
        services.AddAdminApiAuth(config);
        services.AddOptions<AdminApiOptions>().Validate(o => o.AnyToken,
            $"{AdminApiOptions.Section}:Tokens:<name> (or {AdminApiOptions.Section}:ApiToken) is required by the model registry (at least {AdminApiOptions.MinimumTokenLength} characters)");
        services.AddOptions<HeadTrainingOptions>().Bind(config.GetSection(HeadTrainingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => TrustedModelKeys.FromConfiguration(sp.GetRequiredService<IOptions<ModelRegistryOptions>>().Value.TrustedKeys, $"{ModelRegistryOptions.Section}:TrustedKeys"));
        services.TryAddSingleton<ModelRegistryStore>();
        services.TryAddSingleton<PackageUploads>();
        services.TryAddSingleton<ModelRollouts>();
        services.TryAddSingleton<IDesiredStatePublisher, MqttDesiredStatePublisher>();
        services.TryAddSingleton<RolloutCoordinator>();
        services.TryAddSingleton<ModelReportRecorder>();
        services.TryAddSingleton<HeadLabelStore>();
        services.TryAddSingleton<BranchHeadTrainer>();
        services.AddHostedService<CanaryDeadlineWatch>();
        if (config.GetValue(ModelRegistryOptions.Section + ":" + nameof(ModelRegistryOptions.SubscribeReports), true))
            services.AddHostedService<ModelReportSubscriber>();
        return services;
    }
}
