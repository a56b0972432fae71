using System.Diagnostics;
using Serilog;
using Serilog.Events;
using VideoAnalytics.Admin;

// va: what the admin asked for goes to stdout; diagnostics go through Serilog to stderr (VA_LOG_LEVEL, default Warning).
Log.Logger = new LoggerConfiguration()
    .MinimumLevel.Is(Enum.TryParse<LogEventLevel>(Environment.GetEnvironmentVariable("VA_LOG_LEVEL"), ignoreCase: true, out var level) ? level : LogEventLevel.Warning)
    .Enrich.FromLogContext()
    .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: System.Globalization.CultureInfo.InvariantCulture)
    .CreateLogger();
// Only the command's words: options may carry tokens.
var command = string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')).Take(2));
var clock = Stopwatch.StartNew();
try
{
    var exit = await AdminCli.Build().Parse(args).InvokeAsync();
    Log.Information("va {Command} exited with {ExitCode} after {Milliseconds} ms", command, exit, clock.ElapsedMilliseconds);
    return exit;
}
catch (Exception e)
{
    Log.Fatal(e, "va {Command} failed", command);
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
