namespace VideoAnalytics.Contracts.Identity;

/// <summary>Ids in the hierarchy are short lowercase slugs: <c>[a-z0-9-]{1,32}</c>, validated at every boundary.</summary>
public static class Slug
{
    public const int MaxLength = 32;

    public static bool IsValid(string? value) => IsValid(value, MaxLength);

    public static bool IsValid(string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value) || value.Length > maxLength) return false;
        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')) return false;
        }
        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="what"/> when the slug is invalid.</summary>
    public static string Require(string? value, string what)
    {
        if (!IsValid(value))
            throw new ArgumentException($"{what} '{value}' is not a valid id: use 1-{MaxLength} characters of a-z, 0-9 and '-'.", what);
        return value!;
    }
}

/// <summary>One edge agent: <c>branch/site/device</c>.</summary>
public readonly record struct DeviceId
{
    public DeviceId(string branch, string site, string device)
    {
        Branch = Slug.Require(branch, "branch");
        Site = Slug.Require(site, "site");
        Device = Slug.Require(device, "device");
    }

    public string Branch { get; }
    public string Site { get; }
    public string Device { get; }

    public SiteId SiteId => new(Branch, Site);

    public CameraId Camera(string camera) => new(this, camera);

    /// <summary>Parses <c>branch/site/device</c>.</summary>
    public static bool TryParse(string? text, out DeviceId id)
    {
        id = default;
        var parts = text?.Split('/');
        if (parts is not { Length: 3 } || !parts.All(p => Slug.IsValid(p))) return false;
        id = new DeviceId(parts[0], parts[1], parts[2]);
        return true;
    }

    public override string ToString() => $"{Branch}/{Site}/{Device}";
}

/// <summary>A site of a branch: <c>branch/site</c>.</summary>
public readonly record struct SiteId
{
    public SiteId(string branch, string site)
    {
        Branch = Slug.Require(branch, "branch");
        Site = Slug.Require(site, "site");
    }

    public string Branch { get; }
    public string Site { get; }

    public override string ToString() => $"{Branch}/{Site}";
}

/// <summary>A camera served by one device.</summary>
public readonly record struct CameraId
{
    public CameraId(DeviceId device, string camera)
    {
        Device = device;
        Camera = Slug.Require(camera, "camera");
    }

    public DeviceId Device { get; }
    public string Camera { get; }

    public override string ToString() => $"{Device}/{Camera}";
}
