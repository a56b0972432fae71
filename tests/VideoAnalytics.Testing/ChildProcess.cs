using System.Collections.Concurrent;
using System.Diagnostics;

namespace VideoAnalytics.Testing;

/// <summary>
/// A real process of ours (<c>dotnet some.dll …</c>) started by a test, with its output lines collected. Killed with
/// SIGKILL on <see cref="Kill"/> and on dispose, so a failing test leaves nothing running.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>The last lines of output, for assertion messages.</summary>
    public string Tail(int lines = 60) => string.Join('\n', _lines.TakeLast(lines));

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The built output of one of our projects, in the configuration the tests were built in.</summary>
    public static string ProjectDll(string projectDir, string assemblyName)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(TestEnvironment.RepoRoot, projectDir, "bin", configuration, "net10.0", assemblyName + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"build {projectDir} ({configuration}) first", dll);
    }

    public static ChildProcess StartDotnet(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? TestEnvironment.RepoRoot,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_gcServer"] = "0";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return new ChildProcess(Process.Start(psi) ?? throw new InvalidOperationException($"could not start {dll}"), Path.GetFileNameWithoutExtension(dll));
    }

    /// <summary>Waits until an output line contains <paramref name="text"/>; false when the process exits or time runs out first.</summary>
    public Task<bool> WaitForLineAsync(string text, TimeSpan timeout, CancellationToken ct = default) =>
        WaitForAsync(lines => lines.Any(l => l.Contains(text, StringComparison.Ordinal)), timeout, ct);

    /// <summary>Waits until <paramref name="condition"/> holds over the output lines; false when the process exits or time runs out first.</summary>
    public async Task<bool> WaitForAsync(Func<IReadOnlyCollection<string>, bool> condition, TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition(_lines)) return true;
            if (_process.HasExited)
            {
                // Its last lines may still be on their way from the pipe: wait for the end of its output first.
                await _process.WaitForExitAsync(ct);
                return condition(_lines);
            }
            await Task.Delay(50, ct);
        }
        return false;
    }

    /// <summary>Polls <paramref name="url"/> until it answers 2xx; false when the process exits or time runs out first.</summary>
    public async Task<bool> WaitForHttpOkAsync(Uri url, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode) return true;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(250);
        }
        return false;
    }

    /// <summary>Waits for the process to exit by itself; false when time runs out.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>kill -9: no shutdown.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
