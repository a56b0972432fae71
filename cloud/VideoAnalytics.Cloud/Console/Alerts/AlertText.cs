using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Console.Alerts;

/// <summary>The text form of alert enums, as stored in the alerts tables and used in the contract JSON.</summary>
public static class AlertText
{
    public static string Of(AlertState state) => state switch
    {
        AlertState.New => "new",
        AlertState.Acknowledged => "acknowledged",
        AlertState.Confirmed => "confirmed",
        AlertState.Dismissed => "dismissed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "unknown alert state"),
    };

    public static bool TryParseState(string? text, out AlertState state)
    {
        (var ok, state) = text switch
        {
            "new" => (true, AlertState.New),
            "acknowledged" => (true, AlertState.Acknowledged),
            "confirmed" => (true, AlertState.Confirmed),
            "dismissed" => (true, AlertState.Dismissed),
            _ => (false, AlertState.New),
        };
        return ok;
    }

    public static bool TryParseSeverity(string? text, out AlertSeverity severity)
    {
        (var ok, severity) = text switch
        {
            "low" => (true, AlertSeverity.Low),
            "medium" => (true, AlertSeverity.Medium),
            "high" => (true, AlertSeverity.High),
            "critical" => (true, AlertSeverity.Critical),
            _ => (false, AlertSeverity.Low),
        };
        return ok;
    }
}
