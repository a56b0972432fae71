namespace VideoAnalytics.Contracts.Topics;

public enum TopicKind
{
    Status,
    Tracks,
    Events,
    Clip,
    ModelsDesired,
    ModelsReported,
    SiteAlerts,
}
