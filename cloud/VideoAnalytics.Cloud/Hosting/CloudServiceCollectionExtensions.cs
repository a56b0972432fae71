using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Cloud.Grains;
using VideoAnalytics.Cloud.Grains.Cluster;
using VideoAnalytics.Cloud.Hosting.Security;
using VideoAnalytics.Cloud.Ingest;
using VideoAnalytics.Cloud.Storage;

namespace VideoAnalytics.Cloud.Hosting;

/// <summary>
/// Wires the cloud silo host: options (validated at start-up), Serilog, PostgreSQL, the admin API's auth, HTTP limits, the Orleans
/// silo with its PostgreSQL membership and grain storage, and the grains' entry points: the clip dispatcher ingest hands
/// work to, the alert service staff act through, and the sweeper that wakes clips left pending. The features come from
/// their own <c>Add…</c> (Program.cs).
/// </summary>
public static class CloudServiceCollectionExtensions
{
    public const string GrainStorageName = "Default";

    public static WebApplicationBuilder AddCloud(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        builder.Services.AddSerilog((_, logger) => ConfigureSerilog(logger, config));

        builder.Services.AddOptions<PostgresOptions>().Bind(config.GetSection(PostgresOptions.Section))
            .PostConfigure(o => o.ConnectionString = o.ConnectionString is { Length: > 0 } cs ? cs : config.GetConnectionString("Postgres") ?? "")
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<CloudClusterOptions>().Bind(config.GetSection(CloudClusterOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<CloudApiOptions>().Bind(config.GetSection(CloudApiOptions.Section));
        builder.Services.AddAdminApiAuth(config);
        builder.Services.AddHttpLimits(config);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(sp => NpgsqlDataSource.Create(
            sp.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString));
        builder.Services.TryAddSingleton<SchemaMigrator>();

        builder.AddCloudSilo();
        builder.Services.AddSingleton<IClipDispatcher, GrainClipDispatcher>();
        builder.Services.AddSingleton<IAlertService, AlertService>();
        builder.Services.AddHostedService<PendingClipSweeper>();
        return builder;
    }

    /// <summary>Creates or migrates the schema (cluster tables included) before the silo joins the cluster.</summary>
    public static Task MigrateSchemaAsync(this IServiceProvider services, CancellationToken ct = default) =>
        services.GetRequiredService<SchemaMigrator>().MigrateAsync(ct);

    private static void AddCloudSilo(this WebApplicationBuilder builder)
    {
        var cluster = builder.Configuration.GetSection(CloudClusterOptions.Section).Get<CloudClusterOptions>() ?? new CloudClusterOptions();
        // Port 0 means "any free port": resolved once here, so membership advertises the port actually bound.
        var siloPort = cluster.SiloPort == 0 ? FreeTcpPort() : cluster.SiloPort;
        var gatewayPort = cluster.GatewayPort == 0 ? FreeTcpPort() : cluster.GatewayPort;
        var advertised = string.IsNullOrWhiteSpace(cluster.AdvertisedIPAddress) ? DefaultAddress()
            : IPAddress.TryParse(cluster.AdvertisedIPAddress, out var ip) ? ip
            : throw new OptionsValidationException(CloudClusterOptions.Section, typeof(CloudClusterOptions),
                [$"Cloud:Cluster:AdvertisedIPAddress '{cluster.AdvertisedIPAddress}' is not an IP address."]);

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => { o.ClusterId = cluster.ClusterId; o.ServiceId = cluster.ServiceId; });
            silo.Configure<SiloOptions>(o => o.SiloName = cluster.SiloName ?? $"{Environment.MachineName}-{siloPort}");
            silo.ConfigureEndpoints(advertised, siloPort, gatewayPort, listenOnAnyHostAddress: true);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = cluster.ProbeTimeout;
                o.NumMissedProbesLimit = cluster.NumMissedProbesLimit;
                o.IAmAliveTablePublishTimeout = cluster.IAmAliveTablePublishTimeout;
                o.DefunctSiloExpiration = cluster.DefunctSiloExpiration;
                o.DefunctSiloCleanupPeriod = TimeSpan.FromTicks(Math.Max(cluster.DefunctSiloExpiration.Ticks / 2, TimeSpan.FromSeconds(10).Ticks));
            });
            silo.Services.AddSingleton<IMembershipTable, PostgresMembershipTable>();
            silo.Services.AddGrainStorage(GrainStorageName, (sp, name) => new PostgresGrainStorage(
                name, sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
                sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<ILogger<PostgresGrainStorage>>()));
        });
    }

    private static void ConfigureSerilog(LoggerConfiguration logger, IConfiguration config)
    {
        var o = config.GetSection(CloudLoggingOptions.Section).Get<CloudLoggingOptions>() ?? new CloudLoggingOptions();
        var level = Enum.TryParse<LogEventLevel>(o.MinimumLevel, ignoreCase: true, out var l) ? l
            : throw new OptionsValidationException(CloudLoggingOptions.Section, typeof(CloudLoggingOptions),
                [$"Cloud:Logging:MinimumLevel '{o.MinimumLevel}' is not a Serilog level (Verbose, Debug, Information, Warning, Error, Fatal)."]);
        logger.MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Orleans", LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
            .MinimumLevel.Override("Polly", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
        if (!string.IsNullOrWhiteSpace(o.JsonFile))
        {
            // Device, camera and clip ids travel as properties (message templates and scopes), so the JSON file can be filtered by them.
            logger.WriteTo.File(new CompactJsonFormatter(), o.JsonFile, rollingInterval: RollingInterval.Day, retainedFileCountLimit: 7);
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static IPAddress DefaultAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? IPAddress.Loopback;
}
