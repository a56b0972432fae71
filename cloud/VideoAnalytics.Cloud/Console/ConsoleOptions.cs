using System.ComponentModel.DataAnnotations;

namespace VideoAnalytics.Cloud.Console;

/// <summary>Security console settings, section <c>Console</c>.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>How long a sign-in lasts without activity (sliding).</summary>
    [Range(1, 7 * 24 * 60)]
    public int SessionMinutes { get; set; } = 8 * 60;

    /// <summary>Failed sign-ins of one user name before further attempts are refused for <see cref="LockoutSeconds"/>.</summary>
    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    [Range(1, 24 * 3600)]
    public int LockoutSeconds { get; set; } = 300;

    /// <summary>A device whose last status is older than this is shown as stale, whatever it last said.</summary>
    [Range(10, 7 * 24 * 3600)]
    public int DeviceStaleSeconds { get; set; } = 180;

    /// <summary>Comment lines sent on idle alert streams so that proxies keep them open.</summary>
    [Range(1, 300)]
    public int StreamKeepAliveSeconds { get; set; } = 20;

    /// <summary>Send the session cookie only over HTTPS. Off only for plain-HTTP development on loopback.</summary>
    public bool SecureCookie { get; set; } = true;

    /// <summary>
    /// Folder shared by every silo for the keys that protect session cookies, so a cookie made by one silo is read by
    /// the others. Empty: the framework's per-machine default (fine for one host).
    /// </summary>
    public string KeyRingDirectory { get; set; } = "";
}
