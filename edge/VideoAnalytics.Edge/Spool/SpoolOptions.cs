using Microsoft.Extensions.Options;

namespace VideoAnalytics.Edge.Spool;

/// <summary>Configuration section <c>Edge:Spool</c>.</summary>
public sealed class SpoolOptions
{
    public const string Section = "Edge:Spool";

    /// <summary>Folder of the spool; created when missing. Must be on a disk that survives power loss.</summary>
    public string Directory { get; set; } = "";

    /// <summary>
    /// Size bound. When a new item would exceed it, the oldest track batches are dropped first, then the oldest clips;
    /// gate events are never dropped. Every drop is counted in <c>SpoolHealth</c>.
    /// </summary>
    public long MaxBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// How long an item stays after the broker acknowledged it. A broker that crashes can lose messages it had
    /// acknowledged but not yet delivered; after a reconnect the uplink sends such recent items again (the cloud
    /// ignores copies). Acknowledged items are the first to go when the spool is full.
    /// </summary>
    public int KeepAcknowledgedSeconds { get; set; } = 15;
}

internal sealed class SpoolOptionsValidator : IValidateOptions<SpoolOptions>
{
    public ValidateOptionsResult Validate(string? name, SpoolOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.Directory)) return ValidateOptionsResult.Fail($"{SpoolOptions.Section}:Directory is required (a folder on persistent storage)");
        if (o.MaxBytes < 1024 * 1024) return ValidateOptionsResult.Fail($"{SpoolOptions.Section}:MaxBytes {o.MaxBytes} must be at least 1 MiB");
        if (o.KeepAcknowledgedSeconds is < 0 or > 3600) return ValidateOptionsResult.Fail($"{SpoolOptions.Section}:KeepAcknowledgedSeconds must be 0-3600");
        return ValidateOptionsResult.Success;
    }
}
