using Microsoft.Extensions.Options;

namespace VideoAnalytics.Cloud.Ingest;

/// <summary>Configuration section <c>Cloud:Ingest</c>.</summary>
public sealed class IngestOptions
{
    public const string Section = "Cloud:Ingest";

    /// <summary>Messages between the MQTT callback and the inbox writers.</summary>
    public int ChannelCapacity { get; set; } = 2000;
    public int Writers { get; set; } = 4;
    public int BatchMaxMessages { get; set; } = 500;
    public int BatchMaxBytes { get; set; } = 16 * 1024 * 1024;
    /// <summary>A clip with no new chunk for this long is marked incomplete and reported.</summary>
    public int ClipTimeoutSeconds { get; set; } = 300;
    /// <summary>How long a claimed work row belongs to one silo before another may take it over.</summary>
    public int LeaseSeconds { get; set; } = 120;
    public int DispatchBatchSize { get; set; } = 64;
    public int DispatchConcurrency { get; set; } = 8;
    public int PollIntervalMilliseconds { get; set; } = 500;
    /// <summary>Rejected messages are summarised in the log once per interval, not once per message.</summary>
    public int RejectionLogIntervalSeconds { get; set; } = 60;
}

internal sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions o)
    {
        const string s = IngestOptions.Section;
        var errors = new List<string>();
        if (o.ChannelCapacity < 1) errors.Add($"{s}:ChannelCapacity must be positive");
        if (o.Writers is < 1 or > 16) errors.Add($"{s}:Writers must be 1-16");
        if (o.BatchMaxMessages < 1) errors.Add($"{s}:BatchMaxMessages must be positive");
        if (o.BatchMaxBytes < 1024 * 1024) errors.Add($"{s}:BatchMaxBytes must be at least 1 MiB");
        if (o.ClipTimeoutSeconds < 1) errors.Add($"{s}:ClipTimeoutSeconds must be positive");
        if (o.LeaseSeconds < 5) errors.Add($"{s}:LeaseSeconds must be at least 5");
        if (o.DispatchBatchSize < 1) errors.Add($"{s}:DispatchBatchSize must be positive");
        if (o.DispatchConcurrency is < 1 or > 256) errors.Add($"{s}:DispatchConcurrency must be 1-256");
        if (o.PollIntervalMilliseconds < 10) errors.Add($"{s}:PollIntervalMilliseconds must be at least 10");
        if (o.RejectionLogIntervalSeconds < 1) errors.Add($"{s}:RejectionLogIntervalSeconds must be positive");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
