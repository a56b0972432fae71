using System.ComponentModel.DataAnnotations;

namespace VideoAnalytics.Cloud.Console;

/// <summary>Security console settings, section <c>Console</c>.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>How long a sign-in lasts without activity (sliding).</summary>
    [Range(1, 7 * 24 * 60, ErrorMessage = "Console:SessionMinutes must be {1}-{2}")]
    public int SessionMinutes { get; set; } = 8 * 60;

    /// <summary>
    /// Failed sign-ins of one user name from one client address within <see cref="FailureWindowSeconds"/> before that
    /// name is refused from that address for <see cref="LockoutSeconds"/> (other addresses are not affected).
    /// </summary>
    [Range(1, 100, ErrorMessage = "Console:MaxFailedSignIns must be {1}-{2}")]
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>Failed sign-ins from one client address, whatever the names, before the address is refused for <see cref="LockoutSeconds"/>.</summary>
    [Range(1, 10_000, ErrorMessage = "Console:MaxFailedSignInsPerAddress must be {1}-{2}")]
    public int MaxFailedSignInsPerAddress { get; set; } = 20;

    [Range(1, 24 * 3600, ErrorMessage = "Console:LockoutSeconds must be {1}-{2}")]
    public int LockoutSeconds { get; set; } = 300;

    /// <summary>Failures older than this are forgotten.</summary>
    [Range(1, 7 * 24 * 3600, ErrorMessage = "Console:FailureWindowSeconds must be {1}-{2}")]
    public int FailureWindowSeconds { get; set; } = 900;

    /// <summary>Sign-in attempts one client address may make per minute, right or wrong (429 beyond).</summary>
    [Range(1, 100_000, ErrorMessage = "Console:SignInsPerMinutePerAddress must be {1}-{2}")]
    public int SignInsPerMinutePerAddress { get; set; } = 10;

    /// <summary>Sign-ins a silo checks at once (each hashes a password); more wait in a queue of <see cref="MaxQueuedSignIns"/>.</summary>
    [Range(1, 1000, ErrorMessage = "Console:MaxConcurrentSignIns must be {1}-{2}")]
    public int MaxConcurrentSignIns { get; set; } = 2;

    /// <summary>Sign-ins waiting for a free slot; beyond, 429.</summary>
    [Range(0, 10_000, ErrorMessage = "Console:MaxQueuedSignIns must be {1}-{2}")]
    public int MaxQueuedSignIns { get; set; } = 20;

    /// <summary>A device whose last status is older than this is shown as stale, whatever it last said.</summary>
    [Range(10, 7 * 24 * 3600, ErrorMessage = "Console:DeviceStaleSeconds must be {1}-{2}")]
    public int DeviceStaleSeconds { get; set; } = 180;

    /// <summary>Comment lines sent on idle alert streams so that proxies keep them open.</summary>
    [Range(1, 300, ErrorMessage = "Console:StreamKeepAliveSeconds must be {1}-{2}")]
    public int StreamKeepAliveSeconds { get; set; } = 20;

    /// <summary>Send the session cookie only over HTTPS. Off only for plain-HTTP development on loopback.</summary>
    public bool SecureCookie { get; set; } = true;

    /// <summary>
    /// Folder shared by every silo for the keys that protect session cookies, so a cookie made by one silo is read by
    /// the others. Empty: the framework's per-machine default (fine for one host).
    /// </summary>
    public string KeyRingDirectory { get; set; } = "";
}
