using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VideoAnalytics.Cloud.Console.Clips;
using VideoAnalytics.Cloud.Console.Http;
using VideoAnalytics.Cloud.Console.Users;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Console.Alerts;

/// <summary>
/// <c>GET /api/alerts</c> (list), <c>GET /api/alerts/{id}</c> (detail with evidence, audit and clips) and
/// <c>POST /api/alerts/{id}/acknowledge|confirm|dismiss</c>. An alert outside the caller's branch is 404, as if it
/// did not exist.
/// </summary>
internal static class AlertEndpoints
{
    public const int DefaultLimit = 200;
    public const int MaxLimit = 1000;
    public const int MaxNoteLength = 1000;
    private const int MaxClipsShown = 20;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/alerts", ListAsync);
        api.MapGet("/alerts/{alertId}", DetailAsync);
        api.MapPost("/alerts/{alertId}/{action}", ActAsync).AddEndpointFilter(ConsoleHttp.RequireAntiForgeryHeader);
    }

    private static Task<IResult> ListAsync(HttpContext http, AlertQueries queries, string? branch, string? site, string? state, int? limit,
        CancellationToken ct) =>
        CurrentUser.ReplyAsync(http, async user =>
        {
            if (!CurrentUser.TryScope(user, branch, site, out var scope, out var error)) return error!;
            AlertState? stateFilter = null;
            if (state is not null)
            {
                if (!AlertText.TryParseState(state, out var parsed)) return ConsoleHttp.BadRequest("state must be new, acknowledged, confirmed or dismissed");
                stateFilter = parsed;
            }
            if (limit is < 1 or > MaxLimit) return ConsoleHttp.BadRequest($"limit must be 1-{MaxLimit}");
            var alerts = await queries.ListAsync(new AlertQueries.Filter(scope.Branch, scope.Site, stateFilter, limit ?? DefaultLimit), ct);
            return TypedResults.Json(alerts.ToList(), ConsoleJsonContext.Default.ListAlert);
        });

    private static Task<IResult> DetailAsync(HttpContext http, AlertQueries queries, IClipManifests manifests, IClipStore clipStore,
        string alertId, CancellationToken ct) =>
        CurrentUser.ReplyAsync(http, async user =>
        {
            if (!ClipIds.IsValid(alertId)) return ConsoleHttp.BadRequest("alert id is not valid (8-64 of a-z, 0-9, '-')");
            var alert = await queries.FindAsync(alertId, user.BranchLimit, ct);
            if (alert is null) return ConsoleHttp.NotFound("alert");
            var evidence = await queries.EvidenceAsync(alertId, ct);
            var audit = await queries.AuditAsync(alertId, ct);
            var clips = new List<ClipView>();
            foreach (var clipId in evidence.Select(e => e.ClipId).OfType<string>().Distinct().Take(MaxClipsShown))
            {
                // A clip is shown only when it belongs to the alert's branch, whatever the evidence row says.
                if (await manifests.FindAsync(clipId, ct) is not { } m || m.Branch != alert.Branch) continue;
                var stored = await clipStore.ExistsAsync(ClipFileEndpoints.BlobKey(clipId), ct);
                clips.Add(new ClipView(m.ClipId, m.Camera, m.StartUtc, m.EndUtc, m.Score, m.FrameWidth, m.FrameHeight, stored,
                    [.. m.Files.Select(f => new ClipFileView(f.Name, f.ContentType, f.Length))], m.Keyframes));
            }
            var detail = new AlertDetail(alert with
            {
                ClipIds = [.. clips.Select(c => c.ClipId)],
                Reasons = [.. evidence.Select(e => e.Reason)],
            }, evidence, audit, clips);
            return TypedResults.Json(detail, ConsoleJsonContext.Default.AlertDetail);
        });

    private static Task<IResult> ActAsync(HttpContext http, AlertQueries queries, IAlertActions actions, string alertId, string action,
        CancellationToken ct) =>
        CurrentUser.ReplyAsync(http, async user =>
        {
            if (!ClipIds.IsValid(alertId)) return ConsoleHttp.BadRequest("alert id is not valid (8-64 of a-z, 0-9, '-')");
            if (action is not ("acknowledge" or "confirm" or "dismiss")) return ConsoleHttp.BadRequest("action must be acknowledge, confirm or dismiss");
            var (body, error) = await ConsoleHttp.ReadBodyAsync(http.Request, ConsoleJsonContext.Default.AlertActionRequest, ct);
            if (body is null) return ConsoleHttp.BadRequest(error!);
            var note = string.IsNullOrWhiteSpace(body.Note) ? null : body.Note.Trim();
            if (note is { Length: > MaxNoteLength }) return ConsoleHttp.BadRequest($"note is longer than {MaxNoteLength} characters");
            if (note is not null && note.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
                return ConsoleHttp.BadRequest("note contains control characters");
            if (await queries.FindAsync(alertId, user.BranchLimit, ct) is null) return ConsoleHttp.NotFound("alert");

            var result = action switch
            {
                "acknowledge" => await actions.AcknowledgeAsync(alertId, user.Name, note, ct),
                "confirm" => await actions.ConfirmAsync(alertId, user.Name, note, ct),
                _ => await actions.DismissAsync(alertId, user.Name, note, ct),
            };
            return result.Outcome switch
            {
                AlertActionOutcome.Changed => TypedResults.Json(result.Alert!, ConsoleJsonContext.Default.Alert),
                AlertActionOutcome.NotFound => ConsoleHttp.NotFound("alert"),
                _ => ConsoleHttp.Problem(StatusCodes.Status409Conflict, result.Reason),
            };
        });
}
