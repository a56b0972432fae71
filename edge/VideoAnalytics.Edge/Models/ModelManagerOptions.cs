using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace VideoAnalytics.Edge.Models;

/// <summary>Edge model manager settings (<c>Edge:Models</c>).</summary>
public sealed class ModelManagerOptions : IValidatableObject
{
    public const string Section = "Edge:Models";

    /// <summary>Where packages, partial downloads and the last-good record live.</summary>
    [Required] public string Directory { get; set; } = "";

    /// <summary>Key id → public key (PEM text or path). Only packages signed by one of these are accepted.</summary>
    public Dictionary<string, string> TrustedKeys { get; set; } = [];

    /// <summary>A model whose self-test inference takes longer than this is refused.</summary>
    [Range(1, 600_000)] public int SelfTestMaxLatencyMs { get; set; } = 5000;

    /// <summary>Optional image (JPEG/PNG) the self-test feeds vision models; a fixed synthetic frame otherwise.</summary>
    public string? SelfTestImage { get; set; }

    [Range(1, 10)] public int DownloadAttempts { get; set; } = 3;

    [Range(1, 3600)] public int DownloadTimeoutSeconds { get; set; } = 600;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TrustedKeys.Count == 0)
            yield return new ValidationResult($"{Section}:TrustedKeys is empty: list the organisation's model-signing public key(s)", [nameof(TrustedKeys)]);
        if (SelfTestImage is { Length: > 0 } image && !File.Exists(image))
            yield return new ValidationResult($"{Section}:SelfTestImage '{image}' does not exist", [nameof(SelfTestImage)]);
    }
}

/// <summary>Runs the data annotations and <see cref="ModelManagerOptions.Validate"/> at start-up, one line per problem.</summary>
internal sealed class ModelManagerOptionsValidator : IValidateOptions<ModelManagerOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelManagerOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        var errors = results.Select(r => r.ErrorMessage!.StartsWith(ModelManagerOptions.Section, StringComparison.Ordinal)
            ? r.ErrorMessage : $"{ModelManagerOptions.Section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}").ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
