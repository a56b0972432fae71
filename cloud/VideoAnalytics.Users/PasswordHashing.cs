using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VideoAnalytics.Users;

/// <summary>
/// Console passwords: PBKDF2-HMAC-SHA512 with a per-user random salt, stored as
/// <c>pbkdf2-sha512$iterations$salt$hash</c> (base64). The console and the <c>va</c> CLI both use this library, so the
/// hash that <c>va users add</c> writes is exactly what the console verifies.
/// </summary>
public static class PasswordHashing
{
    public const int Iterations = 210_000;
    private const string Algorithm = "pbkdf2-sha512";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const int MinIterations = 100_000;
    private const int MaxIterations = 10_000_000;

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, Iterations, HashBytes);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Algorithm}${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>True when <paramref name="password"/> matches; false for a wrong password or an unreadable hash.</summary>
    public static bool Verify(string password, string storedHash)
    {
        var parts = storedHash.Split('$');
        if (parts.Length != 4 || parts[0] != Algorithm) return false;
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations)
            || iterations is < MinIterations or > MaxIterations) return false;
        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }
        if (salt.Length < SaltBytes || expected.Length != HashBytes) return false;
        var actual = Derive(password, salt, iterations, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Spends the same work as a real check, so that an unknown user name takes as long as a wrong password.</summary>
    public static void SpendEquivalentWork(string password) =>
        Derive(password, new byte[SaltBytes], Iterations, HashBytes);

    private static byte[] Derive(string password, byte[] salt, int iterations, int length) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, length);
}
