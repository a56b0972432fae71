using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoAnalytics.Edge.Uplink;
using VideoAnalytics.Edge.Spool;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Transport.TestHosts;

/// <summary>
/// <c>device</c>: the production spool and uplink (configured with the usual <c>Edge:Mqtt:*</c> and <c>Edge:Spool:*</c>
/// keys as <c>--Edge:Mqtt:Host 127.0.0.1</c> …) sending <c>--Clips N</c> clips of <c>--ClipBytes</c> bytes and
/// <c>--Tracks M</c> track batches with sequence numbers. Prints <c>spooled clip {id}</c> / <c>spooled tracks {seq}</c>
/// once an item is durable, and <c>drained</c> (then exits) when the spool is empty after all were enqueued.
/// </summary>
internal static class DeviceHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddUplink(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();

        var spool = host.Services.GetRequiredService<FileSpool>();
        var camera = host.Services.GetRequiredService<IOptions<MqttUplinkOptions>>().Value.Device.Camera(builder.Configuration["Camera"] ?? "cam1");
        var clips = builder.Configuration.GetValue("Clips", 0);
        var tracks = builder.Configuration.GetValue("Tracks", 0);
        var clipBytes = builder.Configuration.GetValue("ClipBytes", 50 * 1024);
        var records = builder.Configuration.GetValue("RecordsPerBatch", 5);
        var pauseMs = builder.Configuration.GetValue("PauseMilliseconds", 0);

        // Interleave clips among the track batches, as a camera would.
        var every = clips == 0 ? int.MaxValue : Math.Max(1, tracks / clips);
        int sentClips = 0;
        for (var seq = 0; seq < tracks || sentClips < clips; seq++)
        {
            if (seq < tracks)
            {
                await spool.EnqueueTrackBatchAsync(SampleMessages.Tracks(camera, seq, records), CancellationToken.None);
                Console.Out.WriteLine($"spooled tracks {seq}");
            }
            if (sentClips < clips && (seq % every == 0 || seq >= tracks))
            {
                var size = clipBytes / 2 + Random.Shared.Next(clipBytes);
                var (manifest, blob) = SampleMessages.Clip(camera, size);
                await spool.EnqueueClipAsync(manifest, blob, CancellationToken.None);
                Console.Out.WriteLine($"spooled clip {manifest.ClipId}");
                sentClips++;
            }
            await Console.Out.FlushAsync();
            if (pauseMs > 0) await Task.Delay(pauseMs);
        }
        Console.Out.WriteLine("enqueued");
        while (spool.Health.Items > 0) await Task.Delay(50);
        Console.Out.WriteLine($"drained dropped_tracks={spool.Health.DroppedTrackBatches} dropped_clips={spool.Health.DroppedClips}");
        await Console.Out.FlushAsync();
        await host.StopAsync();
        return 0;
    }
}
