using VideoAnalytics.Contracts.Identity;

namespace VideoAnalytics.Contracts.Validation;

/// <summary>Collects the reasons a message does not validate. An empty list means valid.</summary>
public sealed class ValidationReasons
{
    /// <summary>Timestamps more than this far from the reader's clock are rejected as absurd.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromDays(30);

    private readonly List<string> _reasons = [];

    public IReadOnlyList<string> Reasons => _reasons;

    public bool IsValid => _reasons.Count == 0;

    public ValidationReasons Add(string reason) { _reasons.Add(reason); return this; }

    public ValidationReasons Require(bool condition, string reason)
    {
        if (!condition) _reasons.Add(reason);
        return this;
    }

    public ValidationReasons Schema(string? actual, string expected) =>
        Require(actual == expected, $"schema is '{actual}', expected '{expected}'");

    public ValidationReasons Slug(string? value, string what) =>
        Require(Identity.Slug.IsValid(value), $"{what} '{Truncate(value)}' is not a valid id");

    public ValidationReasons Id(string? value, string what) =>
        Require(ClipIds.IsValid(value), $"{what} '{Truncate(value)}' is not a valid id (8-64 of a-z, 0-9, '-')");

    public ValidationReasons Time(DateTimeOffset value, DateTimeOffset now, string what)
    {
        if (value.Offset != TimeSpan.Zero) _reasons.Add($"{what} is not UTC");
        else if ((value - now).Duration() > MaxClockSkew) _reasons.Add($"{what} {value:O} is absurd (reader's clock {now:O})");
        return this;
    }

    public ValidationReasons Sha256(string? value, string what) =>
        Require(value is { Length: 64 } && value.All(Uri.IsHexDigit) && value == value.ToLowerInvariant(),
            $"{what} is not a lowercase hex SHA-256");

    public ValidationReasons Text(string? value, string what, int maxLength, bool required = true)
    {
        if (value is null) return Require(!required, $"{what} is missing");
        return Require(value.Length <= maxLength, $"{what} is longer than {maxLength} characters");
    }

    public ValidationReasons Count<T>(IReadOnlyCollection<T>? items, string what, int max, int min = 0)
    {
        var n = items?.Count ?? 0;
        return Require(n >= min && n <= max, $"{what} has {n} items, allowed {min}-{max}");
    }

    public ValidationReasons Finite(double value, string what, double min = double.MinValue, double max = double.MaxValue) =>
        Require(double.IsFinite(value) && value >= min && value <= max, $"{what} {value} is outside [{min}, {max}]");

    private static string? Truncate(string? s) => s is { Length: > 40 } ? s[..40] + "…" : s;
}
