using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests.Infrastructure;

/// <summary>
/// A real <c>va-cloud</c> process (<c>dotnet va-cloud.dll</c>) configured by command-line keys, with its own HTTP port
/// and a client that carries the admin token; killed with SIGKILL on <see cref="Kill"/> and on dispose.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    /// <summary>The cluster API's admin token; pass it as <c>Cloud:Admin:ApiToken</c> in the silo's settings.</summary>
    public const string AdminToken = "failover-admin-token-0123";

    private readonly ChildProcess process;

    private SiloProcess(ChildProcess process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(15) };
        Http.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
    }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public string Output => process.Tail(200);

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "va-cloud.dll");

    public static async Task<SiloProcess> StartAsync(IDictionary<string, string> settings, TimeSpan timeout)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var child = ChildProcess.StartDotnet(Executable, ["--urls", baseAddress.ToString().TrimEnd('/'), .. settings.Select(kv => $"--{kv.Key}={kv.Value}")],
            workingDirectory: AppContext.BaseDirectory);
        var silo = new SiloProcess(child, baseAddress);
        if (await child.WaitForHttpOkAsync(new Uri(baseAddress, "/healthz"), timeout)) return silo;
        var why = child.HasExited ? $"va-cloud exited with {child.ExitCode}" : $"va-cloud did not answer /healthz within {timeout}";
        var output = silo.Output;
        await silo.DisposeAsync();
        throw new InvalidOperationException($"{why}:\n{output}");
    }

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster.</summary>
    public void Kill() => process.Kill();

    public ValueTask DisposeAsync()
    {
        Http.Dispose();
        process.Dispose();
        return ValueTask.CompletedTask;
    }
}
