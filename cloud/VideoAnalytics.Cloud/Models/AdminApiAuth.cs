using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace VideoAnalytics.Cloud.Models;

/// <summary>
/// The one place admin calls are authorised: <c>Authorization: Bearer &lt;Cloud:Admin:ApiToken&gt;</c>, compared in
/// constant time. Answers 401 with what to send otherwise.
/// </summary>
public sealed class AdminApiAuth(IOptions<AdminApiOptions> options) : IEndpointFilter
{
    public const string Actor = "admin-token";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        var expected = Encoding.UTF8.GetBytes("Bearer " + options.Value.ApiToken);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), expected))
            return Results.Problem("send Authorization: Bearer <Cloud:Admin:ApiToken> (va: --token or VA_API_TOKEN)", statusCode: StatusCodes.Status401Unauthorized);
        return await next(context);
    }
}
