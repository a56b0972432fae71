using System.Security.Cryptography;

namespace VideoAnalytics.Contracts.Identity;

/// <summary>
/// Clip and message ids: lowercase, 8-64 characters of a-z, 0-9 and '-'. New ids start with the UTC time so that
/// they sort by creation and stay unique across restarts.
/// </summary>
public static class ClipIds
{
    public const int MinLength = 8;
    public const int MaxLength = 64;

    public static bool IsValid(string? value) => value is { Length: >= MinLength } && Slug.IsValid(value, MaxLength);

    public static string New(DateTimeOffset utcNow)
    {
        Span<byte> random = stackalloc byte[5];
        RandomNumberGenerator.Fill(random);
        return $"{utcNow.UtcDateTime:yyyyMMdd-HHmmss-fff}-{Convert.ToHexStringLower(random)}";
    }
}
