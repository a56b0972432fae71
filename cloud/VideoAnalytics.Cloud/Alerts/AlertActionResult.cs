using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Alerts;

/// <summary>The alert after a staff action, or why the action was refused.</summary>
[GenerateSerializer, Alias("VideoAnalytics.Cloud.Grains.AlertActionResult")]
public sealed record AlertActionResult([property: Id(0)] bool Ok, [property: Id(1)] Alert? Alert, [property: Id(2)] string? Error);
