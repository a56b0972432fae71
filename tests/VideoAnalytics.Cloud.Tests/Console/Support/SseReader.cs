using System.Text;

namespace VideoAnalytics.Cloud.Tests.Console.Support;

/// <summary>Reads server-sent events from a streaming response: <c>event:</c>/<c>data:</c> blocks; comments are skipped.</summary>
internal sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader reader = new(stream, Encoding.UTF8);

    /// <summary>The next event, or a failure after <paramref name="timeout"/>.</summary>
    public async Task<(string Event, string Data)> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        string? name = null;
        var data = new StringBuilder();
        while (true)
        {
            var line = await reader.ReadLineAsync(cts.Token) ?? throw new EndOfStreamException("the event stream ended");
            if (line.Length == 0)
            {
                if (name is not null || data.Length > 0) return (name ?? "message", data.ToString());
                continue;
            }
            if (line.StartsWith(':')) continue;
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data.Append(line["data: ".Length..]);
        }
    }

    public void Dispose() => reader.Dispose();
}
