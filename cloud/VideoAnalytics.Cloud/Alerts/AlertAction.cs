namespace VideoAnalytics.Cloud.Alerts;

/// <summary>What staff do with an alert.</summary>
[GenerateSerializer, Alias("VideoAnalytics.Cloud.Grains.AlertAction")]
public enum AlertAction { Acknowledge, Confirm, Dismiss }
