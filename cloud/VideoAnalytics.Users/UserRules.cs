using VideoAnalytics.Contracts.Identity;

namespace VideoAnalytics.Users;

/// <summary>
/// What a console user may look like: name, role, branch and password rules. Shared with the <c>va</c> CLI so that
/// the CLI refuses exactly what the console would refuse.
/// </summary>
public static class UserRules
{
    public const string StaffRole = "staff";
    public const string AdminRole = "admin";
    public const int MaxNameLength = 64;
    public const int MinPasswordLength = 10;
    public const int MaxPasswordLength = 256;

    public static IReadOnlyList<string> Roles { get; } = [StaffRole, AdminRole];

    /// <summary>Lowercase letters, digits and <c>. _ @ -</c>, starting with a letter or digit (1-64 characters).</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || !char.IsAsciiLetterLower(name[0]) && !char.IsAsciiDigit(name[0]))
            return false;
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '@' or '-')) return false;
        }
        return true;
    }

    /// <summary>Reasons the user cannot be created as given; empty when it can.</summary>
    public static IReadOnlyList<string> Check(string? name, string? role, string? branch, string? password)
    {
        var reasons = new List<string>();
        if (!IsValidName(name))
            reasons.Add($"name '{name}' is not valid: use 1-{MaxNameLength} of a-z, 0-9, '.', '_', '@', '-' starting with a letter or digit");
        if (role is not (StaffRole or AdminRole))
            reasons.Add($"role '{role}' is not valid: use {StaffRole} or {AdminRole}");
        if (role == StaffRole && branch is null)
            reasons.Add("staff need a branch (--branch)");
        if (branch is not null && !Slug.IsValid(branch))
            reasons.Add($"branch '{branch}' is not a valid id: use 1-{Slug.MaxLength} of a-z, 0-9 and '-'");
        if (password is null || password.Length < MinPasswordLength || password.Length > MaxPasswordLength)
            reasons.Add($"the password must have {MinPasswordLength}-{MaxPasswordLength} characters");
        return reasons;
    }
}
