using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Cloud.Console.Users;
using VideoAnalytics.Cloud.Hosting.Security;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Console.Alerts;

/// <summary>
/// <c>GET /api/alerts/stream?branch=&amp;site=</c>: server-sent events, one <c>alert</c> event (the alert as JSON) per
/// change the caller may see, and a comment line when idle so proxies keep the stream open. Clients re-read the
/// list when they (re)connect, so changes missed while disconnected are not lost.
/// </summary>
internal static class AlertStreamEndpoint
{
    private const int BufferedChanges = 256;

    /// <summary>Each stream holds a connection for as long as it is open: capped per user and in all (<see cref="HttpLimits.LiveStreamPolicy"/>).</summary>
    public static void Map(RouteGroupBuilder api) => api.MapGet("/alerts/stream", StreamAsync).RequireRateLimiting(HttpLimits.LiveStreamPolicy);

    private static async Task StreamAsync(HttpContext http, IAlertFeed feed, IOptions<ConsoleOptions> options, string? branch, string? site)
    {
        var ct = http.RequestAborted;
        if (ConsoleUser.From(http.User) is not { } user) { http.Response.StatusCode = StatusCodes.Status401Unauthorized; return; }
        if (!CurrentUser.TryScope(user, branch, site, out var scope, out var error)) { await error!.ExecuteAsync(http); return; }

        var changes = Channel.CreateBounded<Alert>(new BoundedChannelOptions(BufferedChanges)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Subscribe before telling the client it is connected, so nothing raised after that is missed.
        var pump = PumpAsync(feed, changes.Writer, a => user.CanSee(a.Branch) && Matches(scope, a), stop.Token);
        var keepAlive = TimeSpan.FromSeconds(options.Value.StreamKeepAliveSeconds);
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await response.WriteAsync(": connected\n\n", ct);
            await response.Body.FlushAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
                idle.CancelAfter(keepAlive);
                try
                {
                    if (!await changes.Reader.WaitToReadAsync(idle.Token)) break;
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await response.WriteAsync(": keep-alive\n\n", ct);
                    await response.Body.FlushAsync(ct);
                    continue;
                }
                while (changes.Reader.TryRead(out var alert))
                {
                    await response.WriteAsync("event: alert\ndata: ", ct);
                    await response.WriteAsync(JsonSerializer.Serialize(alert, ConsoleJsonContext.Default.Alert), ct);
                    await response.WriteAsync("\n\n", ct);
                }
                await response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away: the normal end of a stream.
        }
        finally
        {
            await stop.CancelAsync();
            await pump;
        }
    }

    private static bool Matches(ScopeFilter scope, Alert alert) =>
        (scope.Branch is null || scope.Branch == alert.Branch) && (scope.Site is null || scope.Site == alert.Site);

    private static async Task PumpAsync(IAlertFeed feed, ChannelWriter<Alert> writer, Func<Alert, bool> visible, CancellationToken ct)
    {
        try
        {
            await foreach (var alert in feed.SubscribeAsync(ct))
            {
                if (visible(alert)) writer.TryWrite(alert);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The stream ended.
        }
        finally
        {
            writer.TryComplete();
        }
    }
}
