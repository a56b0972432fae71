using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace VideoAnalytics.Cloud.Hosting.Security;

/// <summary>Admin HTTP API settings (<c>Cloud:Admin</c>): the cluster API and the model registry's admin calls.</summary>
public sealed class AdminApiOptions : IValidatableObject
{
    public const string Section = "Cloud:Admin";
    public const int MinimumTokenLength = 16;

    /// <summary>
    /// Bearer token operators and the <c>va</c> CLI send (<c>Authorization: Bearer …</c>). Empty turns the admin API
    /// off (every call answers 401); the model registry requires it.
    /// </summary>
    public string ApiToken { get; set; } = "";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ApiToken.Length is > 0 and < MinimumTokenLength)
            yield return new ValidationResult($"{Section}:ApiToken must be at least {MinimumTokenLength} characters", [nameof(ApiToken)]);
    }
}

/// <summary>
/// The one place admin calls are authorised: <c>Authorization: Bearer &lt;Cloud:Admin:ApiToken&gt;</c>, compared in
/// constant time. Answers 401 with what to send otherwise, and fails closed when no token is configured.
/// </summary>
public sealed class AdminApiAuth(IOptions<AdminApiOptions> options) : IEndpointFilter
{
    public const string Actor = "admin-token";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var token = options.Value.ApiToken;
        if (token.Length == 0)
            return Results.Problem("the admin API is off: set Cloud:Admin:ApiToken on the silo", statusCode: StatusCodes.Status401Unauthorized);
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), Encoding.UTF8.GetBytes("Bearer " + token)))
            return Results.Problem("send Authorization: Bearer <Cloud:Admin:ApiToken> (va: --token or VA_API_TOKEN)", statusCode: StatusCodes.Status401Unauthorized);
        return await next(context);
    }
}
