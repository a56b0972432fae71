using Serilog;

namespace VideoAnalytics.Admin.Commands;

/// <summary>How the model commands end: a one-line error on stderr and exit code 1.</summary>
internal static class Cli
{
    public static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Log.Information("Command failed: {Reason}", message);
        return 1;
    }
}
