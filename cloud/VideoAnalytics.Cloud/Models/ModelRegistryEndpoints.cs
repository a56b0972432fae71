using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using VideoAnalytics.Cloud.Hosting.Security;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Cloud.Models;

/// <summary>
/// The registry's HTTP API under <c>/api/models</c>. Admin calls (upload, list, assign, status, rollback, train) need the
/// <see cref="AdminApiAuth.Policy"/> (checked before the body is read; JSON bodies capped at <see cref="BodySizeLimit.SmallJson"/>)
/// and record the token's name as who acted; package downloads are open to edges (packages are signed and the edge verifies them) and
/// honour HTTP range requests so an interrupted download resumes.
/// </summary>
public sealed record TrainHeadsRequest(string Branch, string Rule = "fight");

public static class ModelRegistryEndpoints
{
    public static IEndpointRouteBuilder MapModelRegistry(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/models").RequireAuthorization(AdminApiAuth.Policy);
        var maxPackage = app.ServiceProvider.GetRequiredService<IOptions<ModelRegistryOptions>>().Value.MaxPackageBytes;

        admin.MapPost("/packages", async (HttpRequest request, PackageUploads uploads, CancellationToken ct) =>
        {
            var r = await uploads.UploadAsync(request, AdminApiAuth.ActorOf(request.HttpContext), ct);
            return r.Error is not null
                ? Results.Problem(r.Error, statusCode: r.StatusCode)
                : Results.Json(new { r.Name, r.Version, r.ManifestSha256, r.AlreadyRegistered }, statusCode: r.StatusCode);
        }).DisableAntiforgery().WithBodySizeLimit(maxPackage + PackageUploads.MultipartOverheadBytes);

        admin.MapGet("/packages", async (ModelRegistryStore store, CancellationToken ct) => Results.Ok(await store.ListVersionsAsync(ct)));

        admin.MapPost("/assignments", async (AssignRequest request, ModelRollouts rollouts, HttpContext http, CancellationToken ct) =>
        {
            var (summary, error) = await rollouts.AssignAsync(request, AdminApiAuth.ActorOf(http), ct);
            return error is not null ? Results.Problem(error, statusCode: StatusCodes.Status400BadRequest) : Results.Ok(summary);
        }).WithBodySizeLimit(BodySizeLimit.SmallJson);

        admin.MapPost("/rollback", async (RollbackRequest request, ModelRollouts rollouts, HttpContext http, CancellationToken ct) =>
        {
            var (done, error) = await rollouts.RollbackAsync(request, AdminApiAuth.ActorOf(http), ct);
            return error is not null ? Results.Problem(error, statusCode: StatusCodes.Status400BadRequest) : Results.Ok(done);
        }).WithBodySizeLimit(BodySizeLimit.SmallJson);

        admin.MapGet("/status", async (string? scope, ModelRollouts rollouts, CancellationToken ct) =>
        {
            var (status, error) = await rollouts.StatusAsync(scope, ct);
            return error is not null ? Results.Problem(error, statusCode: StatusCodes.Status400BadRequest) : Results.Ok(status);
        });

        admin.MapPost("/heads/train", async (TrainHeadsRequest request, Heads.BranchHeadTrainer trainer, HttpContext http, CancellationToken ct) =>
        {
            if (!Slug.IsValid(request.Branch) || !Slug.IsValid(request.Rule))
                return Results.Problem("branch and rule must be ids (a-z, 0-9, '-')", statusCode: StatusCodes.Status400BadRequest);
            return Results.Ok(await trainer.TrainAsync(request.Branch, request.Rule, AdminApiAuth.ActorOf(http), ct));
        }).WithBodySizeLimit(BodySizeLimit.SmallJson);

        app.MapGet("/api/models/{name}/{version}/files/{file}", DownloadAsync);
        return app;
    }

    private static async Task<IResult> DownloadAsync(string name, string version, string file, ModelRegistryStore store, IClipStore blobs, CancellationToken ct)
    {
        if (!Slug.IsValid(name) || version.Length > 64 || !ClipManifest.IsSafeFileName(version) || !ClipManifest.IsSafeFileName(file))
            return Results.Problem("name, version or file is not valid", statusCode: StatusCodes.Status400BadRequest);
        if (file == ModelPackageFiles.Manifest)
        {
            return await store.ManifestAsync(name, version, ct) is { } m
                ? Results.File(m.Manifest, "application/json", enableRangeProcessing: true)
                : Results.NotFound();
        }
        if (await store.FileAsync(name, version, file, ct) is not { } row) return Results.NotFound();
        var stream = await blobs.OpenReadAsync(row.BlobKey, ct);
        if (stream is null) return Results.Problem($"blob {row.BlobKey} is missing from the store", statusCode: StatusCodes.Status500InternalServerError);
        // The ETag (the file's SHA-256) lets a resuming client send If-Range and never splice two different versions.
        return Results.File(stream, "application/octet-stream", enableRangeProcessing: stream.CanSeek, entityTag: new EntityTagHeaderValue($"\"{row.Sha256}\""));
    }
}
