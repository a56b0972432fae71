using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VideoAnalytics.Cloud.Tests.Infrastructure;

/// <summary>
/// A real <c>va-cloud</c> process (<c>dotnet va-cloud.dll</c>) configured by command-line keys, with its own HTTP port;
/// killed with SIGKILL on <see cref="Kill"/> and on dispose.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private SiloProcess(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(15) };
        Http.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
    }

    /// <summary>The cluster API's admin token; pass it as <c>Cloud:Admin:ApiToken</c> in the silo's settings.</summary>
    public const string AdminToken = "failover-admin-token-0123";

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "va-cloud.dll");

    public static async Task<SiloProcess> StartAsync(IDictionary<string, string> settings, TimeSpan timeout)
    {
        var port = VideoAnalytics.Testing.FreePort.Next();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Executable);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var (key, value) in settings) info.ArgumentList.Add($"--{key}={value}");
        info.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var silo = new SiloProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"va-cloud exited with {process.ExitCode}:\n{silo.Output}");
            try
            {
                using var r = await silo.Http.GetAsync("/healthz");
                if (r.IsSuccessStatusCode) return silo;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        await silo.DisposeAsync();
        throw new TimeoutException($"va-cloud did not answer /healthz within {timeout}:\n{silo.Output}");
    }

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster.</summary>
    public void Kill()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit(10_000);
    }

    public ValueTask DisposeAsync()
    {
        Http.Dispose();
        Kill();
        process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (output) output.AppendLine(line);
    }
}
