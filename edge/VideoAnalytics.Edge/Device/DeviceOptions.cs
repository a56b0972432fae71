using System.ComponentModel.DataAnnotations;
using VideoAnalytics.Contracts.Identity;

namespace VideoAnalytics.Edge.Device;

/// <summary><c>Edge:Device</c>: where this agent sits in the hierarchy (slugs, as in every topic and message).</summary>
public sealed class DeviceOptions
{
    private const string SlugPattern = "^[a-z0-9-]{1,32}$";
    private const string SlugMessage = "must be a slug [a-z0-9-]{1,32}";

    [Required, RegularExpression(SlugPattern, ErrorMessage = SlugMessage)]
    public string Branch { get; set; } = "";

    [Required, RegularExpression(SlugPattern, ErrorMessage = SlugMessage)]
    public string Site { get; set; } = "";

    [Required, RegularExpression(SlugPattern, ErrorMessage = SlugMessage)]
    public string Device { get; set; } = "";

    public DeviceId Id => new(Branch, Site, Device);
}
