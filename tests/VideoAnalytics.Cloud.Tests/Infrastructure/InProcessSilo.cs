using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Cloud.Hosting;
using VideoAnalytics.Cloud.Hosting.Security;
using VideoAnalytics.Cloud.Judging;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests.Infrastructure;

/// <summary>A silo host (AddCloud, AddJudging, AddAlerts, as Program.cs wires them, without the MQTT ingest) inside the test process, on the test's database.</summary>
public sealed class InProcessSilo : IAsyncDisposable
{
    private readonly WebApplication app;

    private InProcessSilo(WebApplication app, string clipRoot)
    {
        this.app = app;
        ClipRoot = clipRoot;
    }

    public IServiceProvider Services => app.Services;

    public string ClipRoot { get; }

    public IGrainFactory Grains => app.Services.GetRequiredService<IGrainFactory>();

    public Uri BaseAddress => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static async Task<InProcessSilo> StartAsync(string connectionString, IDictionary<string, string?>? settings = null, string? clipRoot = null)
    {
        clipRoot ??= TestEnvironment.NewTempDir("va-clips");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cloud:Postgres:ConnectionString"] = connectionString,
            ["Cloud:Cluster:ClusterId"] = "test",
            ["Cloud:Cluster:SiloPort"] = "0",
            ["Cloud:Cluster:GatewayPort"] = "0",
            ["Cloud:Cluster:AdvertisedIPAddress"] = "127.0.0.1",
            ["Cloud:Logging:MinimumLevel"] = "Warning",
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        builder.AddCloud();
        builder.Services.AddJudging(builder.Configuration);
        builder.Services.AddAlerts(builder.Configuration);
        var root = clipRoot;
        builder.Services.AddSingleton<IClipStore>(new FileSystemClipStore(root));
        var app = builder.Build();
        await app.Services.MigrateSchemaAsync();
        app.UseHttpLimits();
        app.MapCloudApi();
        await app.StartAsync();
        return new InProcessSilo(app, clipRoot);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
    }
}
