using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace VideoAnalytics.Cloud.Console.Http;

/// <summary>Request checks shared by the console's API: bounded JSON bodies, the anti-forgery header, problem replies.</summary>
internal static class ConsoleHttp
{
    /// <summary>
    /// Every state-changing API call must carry this header. Browsers send custom headers cross-site only after a CORS
    /// preflight the console never grants, so together with the SameSite=Strict cookie it stops cross-site requests.
    /// </summary>
    public const string AntiForgeryHeader = "X-VA-Console";

    public const int MaxBodyBytes = 16 * 1024;

    public static IResult Problem(int status, string reason) =>
        TypedResults.Json(new ProblemReply(reason), ConsoleJsonContext.Default.ProblemReply, statusCode: status);

    public static IResult BadRequest(string reason) => Problem(StatusCodes.Status400BadRequest, reason);

    public static IResult NotFound(string what) => Problem(StatusCodes.Status404NotFound, $"{what} not found");

    /// <summary>Reads a JSON body of at most <see cref="MaxBodyBytes"/>; returns the reason when it cannot.</summary>
    public static async Task<(T? Value, string? Error)> ReadBodyAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken ct)
        where T : class
    {
        if (request.ContentLength is > MaxBodyBytes) return (null, $"body is larger than {MaxBodyBytes} bytes");
        if (!request.HasJsonContentType()) return (null, "body must be application/json");
        var buffer = new byte[MaxBodyBytes + 1];
        var length = 0;
        int read;
        while ((read = await request.Body.ReadAsync(buffer.AsMemory(length), ct)) > 0)
        {
            length += read;
            if (length > MaxBodyBytes) return (null, $"body is larger than {MaxBodyBytes} bytes");
        }
        if (length == 0) return (null, "body is empty");
        try
        {
            return JsonSerializer.Deserialize(buffer.AsSpan(0, length), type) is { } value
                ? (value, null)
                : (null, "body is JSON null");
        }
        catch (JsonException e)
        {
            return (null, $"body is not valid JSON: {e.Message.Split('.')[0]}");
        }
    }

    /// <summary>Endpoint filter for state-changing calls: refuses requests without <see cref="AntiForgeryHeader"/>.</summary>
    public static ValueTask<object?> RequireAntiForgeryHeader(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var headers = context.HttpContext.Request.Headers;
        if (headers[AntiForgeryHeader] != "1")
            return ValueTask.FromResult<object?>(Problem(StatusCodes.Status403Forbidden, $"missing {AntiForgeryHeader}: 1 header"));
        return next(context);
    }

    /// <summary>Security headers for every console response: no framing, no sniffing, scripts and styles from the console only.</summary>
    public static void AddSecurityHeaders(HttpResponse response)
    {
        var h = response.Headers;
        h.XContentTypeOptions = "nosniff";
        h.XFrameOptions = "DENY";
        h["Referrer-Policy"] = "no-referrer";
        h.ContentSecurityPolicy =
            "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; connect-src 'self'; " +
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    }
}

internal sealed record ProblemReply(string Error);
