using System.Collections.Concurrent;
using System.Diagnostics;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Transport;

/// <summary>
/// A child process of tests/VideoAnalytics.Transport.TestHosts (<c>device</c> or <c>ingest</c>), with its output lines
/// collected. Killed with SIGKILL on <see cref="Kill"/> and on dispose.
/// </summary>
public sealed class TestHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _errors = new();

    private TestHostProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _errors.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IReadOnlyCollection<string> Lines => _lines;

    public string Errors => string.Join('\n', _errors.TakeLast(40));

    public bool HasExited => _process.HasExited;

    public static TestHostProcess Start(string mode, IReadOnlyDictionary<string, string> settings)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(HostDll);
        psi.ArgumentList.Add(mode);
        foreach (var (k, v) in settings)
        {
            psi.ArgumentList.Add($"--{k}");
            psi.ArgumentList.Add(v);
        }
        psi.Environment["DOTNET_gcServer"] = "0";
        return new TestHostProcess(Process.Start(psi)!);
    }

    /// <summary>Waits until <paramref name="condition"/> holds over the output lines (or the process exits, or time runs out).</summary>
    public async Task<bool> WaitForAsync(Func<IReadOnlyCollection<string>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition(_lines)) return true;
            if (_process.HasExited) return condition(_lines);
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>kill -9.</summary>
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

    private static string HostDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            var dll = Path.Combine(TestEnvironment.RepoRoot, "tests", "VideoAnalytics.Transport.TestHosts", "bin", configuration, "net10.0",
                "VideoAnalytics.Transport.TestHosts.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"build tests/VideoAnalytics.Transport.TestHosts ({configuration}) first", dll);
        }
    }
}
