using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using VideoAnalytics.Users;

namespace VideoAnalytics.Cloud.Console.Users;

/// <summary>A signed-in console user: staff see their own branch only, admins see every branch.</summary>
public sealed record ConsoleUser(string Name, string Role, string? Branch)
{
    public const string BranchClaim = "va:branch";
    public const string StampClaim = "va:stamp";

    public bool IsAdmin => Role == UserRules.AdminRole;

    /// <summary>Whether this user may see alerts, clips and devices of <paramref name="branch"/>.</summary>
    public bool CanSee(string branch) => IsAdmin || string.Equals(Branch, branch, StringComparison.Ordinal);

    /// <summary>The branch every query of this user is limited to; null for admins (no limit).</summary>
    public string? BranchLimit => IsAdmin ? null : Branch;

    public ClaimsPrincipal ToPrincipal(string passwordHash, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, Name),
            new(ClaimTypes.Role, Role),
            new(StampClaim, Stamp(passwordHash)),
        };
        if (Branch is not null) claims.Add(new Claim(BranchClaim, Branch));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The user of a principal made by <see cref="ToPrincipal"/>, or null when it is not one.</summary>
    public static ConsoleUser? From(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true) return null;
        var name = principal.FindFirstValue(ClaimTypes.Name);
        var role = principal.FindFirstValue(ClaimTypes.Role);
        if (name is null || role is not (UserRules.StaffRole or UserRules.AdminRole)) return null;
        var branch = principal.FindFirstValue(BranchClaim);
        if (role == UserRules.StaffRole && branch is null) return null;
        return new ConsoleUser(name, role, branch);
    }

    /// <summary>
    /// A short fingerprint of the password hash kept in the cookie: changing the password (or the user) ends every
    /// session signed in with the old one.
    /// </summary>
    public static string Stamp(string passwordHash) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(passwordHash)).AsSpan(0, 8));
}
