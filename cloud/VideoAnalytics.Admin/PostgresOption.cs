using System.CommandLine;

namespace VideoAnalytics.Admin;

/// <summary>
/// <c>--postgres</c>: the cloud's PostgreSQL (Npgsql connection string), else <c>VA_POSTGRES</c>. Read from the
/// environment at run time rather than as a default value, so help output never shows a password.
/// </summary>
public static class PostgresOption
{
    public const string EnvironmentVariable = "VA_POSTGRES";

    public static Option<string?> Create() => new("--postgres")
    {
        Description = $"Npgsql connection string of the cloud's database (default: ${EnvironmentVariable})",
    };

    public static string? Resolve(string? fromOption) =>
        fromOption is { Length: > 0 } ? fromOption : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? env : null;
}
