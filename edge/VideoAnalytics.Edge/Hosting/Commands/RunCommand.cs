using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Formatting.Compact;
using VideoAnalytics.Edge.Models;
using VideoAnalytics.Edge.Uplink;

namespace VideoAnalytics.Edge.Hosting.Commands;

/// <summary><c>va-edge run</c>: the agent under the Generic Host with Serilog (console, optional JSON file).</summary>
public static class RunCommand
{
    public static Command Create(Option<string?> config)
    {
        var logFile = new Option<string?>("--log-json") { Description = "also write logs as compact JSON lines to this file" };
        var command = new Command("run", "Run the edge agent on the configured cameras") { logFile };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(config), parse.GetValue(logFile),
            AddUplinkAndModels, Console.Error, ct));
        return command;
    }

    /// <summary>
    /// The CLI's spool and uplink, and the model manager when the device takes model updates (section
    /// <c>Edge:Models</c>: where packages go and the signing keys it trusts).
    /// </summary>
    private static void AddUplinkAndModels(HostApplicationBuilder builder)
    {
        builder.Services.AddUplink(builder.Configuration);
        if (builder.Configuration.GetSection(ModelManagerOptions.Section).Exists()) builder.Services.AddModelManager(builder.Configuration);
    }

    /// <summary>Builds and runs the host; <paramref name="configure"/> adds the spool and uplink (the CLI: <c>AddUplink</c>; tests: their own spool).</summary>
    public static async Task<int> RunAsync(string? configFile, string? logJson, Action<HostApplicationBuilder>? configure, TextWriter errors, CancellationToken ct)
    {
        HostApplicationBuilder builder;
        try
        {
            builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = Directory.GetCurrentDirectory() });
            builder.Configuration.Sources.Clear();
            builder.Configuration.AddEdgeSources(configFile);
        }
        catch (FileNotFoundException e)
        {
            errors.WriteLine($"va-edge: {e.Message}");
            return 2;
        }
        var device = builder.Configuration.GetSection("Edge:Device");
        // One place for the device's identity: the uplink's DeviceId and its broker account (deploy/mosquitto names
        // device accounts BRANCH/SITE/DEVICE) default to Edge:Device.
        if (device["Branch"] is { } b && device["Site"] is { } s && device["Device"] is { } d)
        {
            var defaults = new Dictionary<string, string?>();
            if (string.IsNullOrEmpty(builder.Configuration["Edge:Mqtt:DeviceId"])) defaults["Edge:Mqtt:DeviceId"] = $"{b}/{s}/{d}";
            if (string.IsNullOrEmpty(builder.Configuration["Edge:Mqtt:Username"])) defaults["Edge:Mqtt:Username"] = $"{b}/{s}/{d}";
            builder.Configuration.AddInMemoryCollection(defaults);
        }
        var logger = new LoggerConfiguration()
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Branch", device["Branch"] ?? "")
            .Enrich.WithProperty("Site", device["Site"] ?? "")
            .Enrich.WithProperty("Device", device["Device"] ?? "")
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}");
        if (logJson is not null) logger.WriteTo.File(new CompactJsonFormatter(), logJson);
        Log.Logger = logger.CreateLogger();
        builder.Services.AddSerilog();
        builder.Services.AddEdgePipeline(builder.Configuration);
        configure?.Invoke(builder);
        try
        {
            using var host = builder.Build();
            var agent = host.Services.GetRequiredService<EdgeAgent>();
            await host.RunAsync(ct).ConfigureAwait(false);
            if (agent.Failure is { } failure)
            {
                errors.WriteLine($"va-edge: {failure}");
                return 1;
            }
            return 0;
        }
        catch (OptionsValidationException e)
        {
            errors.WriteLine($"va-edge: invalid configuration: {string.Join("; ", e.Failures)}");
            return 2;
        }
        catch (InvalidOperationException e) when (e.Message.Contains(nameof(Spool.ISpool), StringComparison.Ordinal))
        {
            errors.WriteLine("va-edge: no spool is registered: the host must call services.AddUplink(configuration)");
            return 2;
        }
        catch (InvalidOperationException e) when (IsConfigurationError(e))
        {
            errors.WriteLine($"va-edge: invalid configuration: {e.Message}");
            return 2;
        }
        finally
        {
            await Log.CloseAndFlushAsync().ConfigureAwait(false);
        }
    }

    private static bool IsConfigurationError(InvalidOperationException e) =>
        e.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("Edge:", StringComparison.Ordinal);
}
