using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using VideoAnalytics.Cloud.Messaging;
using VideoAnalytics.Cloud.Storage;

namespace VideoAnalytics.Cloud.Ingest;

public static class IngestServiceCollectionExtensions
{
    /// <summary>
    /// MQTT ingest (sections <c>Cloud:Mqtt</c>, <c>Cloud:Ingest</c>), the Postgres inbox and its worker, the
    /// filesystem clip store (<c>Cloud:ClipStore</c>) and <see cref="IngestCounters"/>. Needs an
    /// <see cref="IClipDispatcher"/> and uses the registered <see cref="NpgsqlDataSource"/> (or one made from
    /// <c>ConnectionStrings:Postgres</c>).
    /// </summary>
    public static IServiceCollection AddIngest(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CloudMqttOptions>().Bind(configuration.GetSection(CloudMqttOptions.Section)).ValidateOnStart();
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.Section)).ValidateOnStart();
        services.AddOptions<ClipStoreOptions>().Bind(configuration.GetSection(ClipStoreOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CloudMqttOptions>, CloudMqttOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClipStoreOptions>, ClipStoreOptionsValidator>());
        services.TryAddSingleton(_ => NpgsqlDataSource.Create(configuration.GetConnectionString("Postgres") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("ConnectionStrings:Postgres is required (Npgsql connection string)")));
        services.TryAddSingleton<SchemaMigrator>();
        services.TryAddSingleton<IClipStore, FileSystemClipStore>();
        services.TryAddSingleton<IngestCounters>();
        services.TryAddSingleton<IngestSignal>();
        services.TryAddSingleton<IngestSchema>();
        services.TryAddSingleton<InboxWriter>();
        services.TryAddSingleton<ClipAssembler>();
        services.AddHostedService<MqttIngestService>();
        services.AddHostedService<IngestWorker>();
        return services;
    }
}
