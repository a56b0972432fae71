using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Cloud.Grains;
using VideoAnalytics.Cloud.Hosting.Security;
using VideoAnalytics.Cloud.Ingest;
using VideoAnalytics.Cloud.Judging;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;

namespace VideoAnalytics.Cloud.Hosting;

/// <summary><c>Cloud:Api</c>: the cluster API of each silo host.</summary>
public sealed class CloudApiOptions
{
    public const string Section = "Cloud:Api";

    /// <summary>
    /// Accept status, gate events and clip manifests over HTTP (<c>POST /api/cluster/dispatch/…</c>), validated like MQTT
    /// input, for tools, tests and sites without a broker. Off by default.
    /// </summary>
    public bool DispatchEndpoints { get; set; }
}

/// <summary>
/// The cluster API every silo host serves: health, this silo, grain views (devices, cameras, branches, clips), the judge
/// queue and a live alert stream (server-sent events from <see cref="IAlertFeed"/>). All but <c>/healthz</c> need the admin token.
/// </summary>
public static class CloudApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static WebApplication MapCloudApi(this WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        // Grain views and the live alert stream show every branch's data: operators only (the console has its own,
        // per-user API under /api).
        var api = app.MapGroup("/api/cluster").RequireAuthorization(AdminApiAuth.Policy);
        api.MapGet("/silo", (ILocalSiloDetails silo, IOptions<ClusterOptions> cluster) =>
            Results.Json(new { silo = silo.SiloAddress.ToString(), name = silo.Name, clusterId = cluster.Value.ClusterId }, Json));
        api.MapGet("/devices/{branch}/{site}/{device}", async (string branch, string site, string device, IGrainFactory grains) =>
            Slugs(branch, site, device) ? Results.Json(await grains.GetGrain<IDeviceGrain>(IDeviceGrain.KeyOf(branch, site, device)).GetAsync(), Json) : BadId());
        api.MapGet("/cameras/{branch}/{site}/{device}/{camera}", async (string branch, string site, string device, string camera, IGrainFactory grains) =>
            Slugs(branch, site, device, camera)
                ? Results.Json(await grains.GetGrain<ICameraGrain>(ICameraGrain.KeyOf(branch, site, device, camera)).GetAsync(), Json) : BadId());
        api.MapGet("/branches/{branch}", async (string branch, IGrainFactory grains) =>
            Slugs(branch) ? Results.Json(await grains.GetGrain<IBranchGrain>(IBranchGrain.KeyOf(branch)).GetAsync(), Json) : BadId());
        api.MapGet("/clips/{clipId}", async (string clipId, IGrainFactory grains) =>
            ClipIds.IsValid(clipId) ? Results.Json(await grains.GetGrain<IClipGrain>(IClipGrain.KeyOf(clipId)).GetAsync(), Json) : BadId());
        api.MapGet("/sites/{branch}/{site}/alerts", async (string branch, string site, IGrainFactory grains) =>
            Slugs(branch, site) ? Results.Json(await grains.GetGrain<ISiteAlertsGrain>(ISiteAlertsGrain.KeyOf(branch, site)).GetOpenAsync(), Json) : BadId());
        api.MapGet("/judge", (JudgeRunner runner) => Results.Json(runner.Snapshot(), Json));
        api.MapGet("/alerts/live", StreamAlertsAsync).RequireRateLimiting(HttpLimits.LiveStreamPolicy);

        if (app.Services.GetRequiredService<IOptions<CloudApiOptions>>().Value.DispatchEndpoints)
        {
            var dispatch = api.MapGroup("/dispatch").WithBodySizeLimit(Limits.MaxJsonPayloadBytes);
            dispatch.MapPost("/status", (HttpRequest r, IClipDispatcher d, TimeProvider t, CancellationToken ct) =>
                DispatchAsync<DeviceStatus>(r, t, m => d.DispatchStatusAsync(m, ct), ct));
            dispatch.MapPost("/events", (HttpRequest r, IClipDispatcher d, TimeProvider t, CancellationToken ct) =>
                DispatchAsync<GateEvent>(r, t, m => d.DispatchGateEventAsync(m, ct), ct));
            dispatch.MapPost("/clips", (HttpRequest r, IClipDispatcher d, TimeProvider t, CancellationToken ct) =>
                DispatchAsync<ClipManifest>(r, t, m => d.DispatchClipAsync(m, ct), ct));
        }
        return app;
    }

    private static async Task StreamAlertsAsync(HttpContext context, IAlertFeed feed, string? branch, string? site)
    {
        var ct = context.RequestAborted;
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.WriteAsync(": live alerts\n\n", ct);
        await context.Response.Body.FlushAsync(ct);
        try
        {
            await foreach (var alert in feed.SubscribeAsync(ct))
            {
                if (branch is not null && alert.Branch != branch || site is not null && alert.Site != site) continue;
                await context.Response.WriteAsync($"event: alert\ndata: {ContractJson.SerializeToString(alert)}\n\n", ct);
                await context.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static async Task<IResult> DispatchAsync<T>(HttpRequest request, TimeProvider time, Func<T, Task> dispatch, CancellationToken ct)
        where T : class, IContractMessage
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        if (buffer.Length > Limits.MaxJsonPayloadBytes) return Results.Problem($"body is over {Limits.MaxJsonPayloadBytes} bytes", statusCode: 413);
        if (!ContractJson.TryRead<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), time.GetUtcNow(), out var message, out var error))
            return Results.Problem(error, statusCode: 400);
        await dispatch(message);
        return Results.Accepted();
    }

    private static bool Slugs(params string[] ids) => ids.All(id => Slug.IsValid(id));

    private static IResult BadId() => Results.Problem("an id in the path is not valid", statusCode: 400);
}
