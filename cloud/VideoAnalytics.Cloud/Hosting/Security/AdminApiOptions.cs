using System.ComponentModel.DataAnnotations;
using VideoAnalytics.Users;

namespace VideoAnalytics.Cloud.Hosting.Security;

/// <summary>Admin HTTP API settings (<c>Cloud:Admin</c>): the cluster API and the model registry's admin calls.</summary>
public sealed class AdminApiOptions : IValidatableObject
{
    public const string Section = "Cloud:Admin";
    public const int MinimumTokenLength = 16;

    /// <summary>The actor recorded for calls made with the shared <see cref="ApiToken"/>, which names nobody.</summary>
    public const string SharedTokenActor = "shared-api-token";

    /// <summary>
    /// Shared bearer token (<c>Authorization: Bearer …</c>), recorded as <see cref="SharedTokenActor"/>. Prefer
    /// <see cref="Tokens"/>, which record who acted.
    /// </summary>
    public string ApiToken { get; set; } = "";

    /// <summary>
    /// Named bearer tokens, one per operator or automation (<c>Cloud:Admin:Tokens:alice</c>): the registry records the
    /// name as who pushed, assigned, rolled back or trained. With no token at all the admin API answers 401 to everything.
    /// </summary>
    public Dictionary<string, string> Tokens { get; set; } = new(StringComparer.Ordinal);

    public bool AnyToken => ApiToken.Length > 0 || Tokens.Count > 0;

    /// <summary>Every configured token with the actor it stands for.</summary>
    public IEnumerable<(string Actor, string Token)> Actors()
    {
        if (ApiToken.Length > 0) yield return (SharedTokenActor, ApiToken);
        foreach (var (name, token) in Tokens) yield return (name, token);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ApiToken.Length is > 0 and < MinimumTokenLength)
            yield return new ValidationResult($"{Section}:ApiToken must be at least {MinimumTokenLength} characters", [nameof(ApiToken)]);
        foreach (var (name, token) in Tokens)
        {
            if (!UserRules.IsValidName(name) || name == SharedTokenActor)
                yield return new ValidationResult($"{Section}:Tokens:{name}: the name must be 1-{UserRules.MaxNameLength} of a-z, 0-9, '.', '_', '@', '-' (and not {SharedTokenActor})", [nameof(Tokens)]);
            if (token.Length < MinimumTokenLength)
                yield return new ValidationResult($"{Section}:Tokens:{name} must be at least {MinimumTokenLength} characters", [nameof(Tokens)]);
        }
        var tokens = Actors().Select(a => a.Token).ToList();
        if (tokens.Count != tokens.Distinct(StringComparer.Ordinal).Count())
            yield return new ValidationResult($"{Section}: two admin tokens are the same; each must name one actor", [nameof(Tokens)]);
    }
}
