using System.Diagnostics;
using System.Net;
using VideoAnalytics.Cloud.Tests.Console.Support;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Console;

/// <summary>
/// <c>va users add</c> run for real against PostgreSQL: the user it writes signs in to the console, so both sides
/// hash the same way; bad input is refused with a reason and writes nothing.
/// </summary>
public sealed class UsersCliTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>
{
    private readonly ConsoleTestHost host = fixture.Host;

    [Fact]
    public async Task FirstAdminAddedByTheCliSignsInToTheConsole()
    {
        var (code, output, error) = await RunVaAsync("first-admin-password\n", "users", "add", "--name", "Chief", "--role", "admin",
            "--password-stdin", "--postgres", host.ConnectionString);

        Assert.True(code == 0, error);
        Assert.Contains("Added admin chief", output, StringComparison.Ordinal);
        using var client = host.NewClient();
        Assert.Equal(HttpStatusCode.OK, (await ConsoleTestHost.SignInAsync(client, "chief", "first-admin-password")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/alerts")).StatusCode);
    }

    [Fact]
    public async Task StaffGetTheirBranchAndUpdateResetsThePassword()
    {
        Assert.Equal(0, (await RunVaAsync("guard-password-1\n", "users", "add", "--name", "guard", "--role", "staff", "--branch", "east",
            "--password-stdin", "--postgres", host.ConnectionString)).Code);
        var duplicate = await RunVaAsync("guard-password-2\n", "users", "add", "--name", "guard", "--role", "staff", "--branch", "east",
            "--password-stdin", "--postgres", host.ConnectionString);
        var reset = await RunVaAsync("guard-password-3\n", "users", "add", "--name", "guard", "--role", "staff", "--branch", "east",
            "--password-stdin", "--update", "--postgres", host.ConnectionString);

        Assert.Equal(1, duplicate.Code);
        Assert.Contains("already exists", duplicate.Error, StringComparison.Ordinal);
        Assert.Equal(0, reset.Code);
        using var client = host.NewClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await ConsoleTestHost.SignInAsync(client, "guard", "guard-password-1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ConsoleTestHost.SignInAsync(client, "guard", "guard-password-3")).StatusCode);
        Assert.Contains("\"branch\":\"east\"", await client.GetStringAsync("/api/me"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("long-enough-pw\n", "--role", "staff", "staff need a branch")]
    [InlineData("short\n", "--role", "admin", "10-256 characters")]
    [InlineData("long-enough-pw\n", "--role", "root", "root")]
    public async Task BadUsersAreRefusedWithAReasonAndNotWritten(string stdin, string roleOption, string role, string reason)
    {
        var (code, _, error) = await RunVaAsync(stdin, "users", "add", "--name", "refused", roleOption, role, "--password-stdin",
            "--postgres", host.ConnectionString);

        Assert.NotEqual(0, code);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        await using var cmd = host.DataSource.CreateCommand("SELECT count(*) FROM console_users WHERE name = 'refused'");
        Assert.Equal(0L, await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task ADatabaseWithoutTheSchemaGetsAClearMessage()
    {
        await using var empty = await TestDatabase.CreateAsync();
        var (code, _, error) = await RunVaAsync("long-enough-pw\n", "users", "add", "--name", "x", "--role", "admin", "--password-stdin",
            "--postgres", empty.ConnectionString);

        Assert.Equal(1, code);
        Assert.Contains("start va-cloud once", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// The <c>va</c> built beside these tests (same configuration), run from its own output folder so that it loads
    /// exactly its own dependencies.
    /// </summary>
    private static string VaDll
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            return Path.Combine(TestEnvironment.RepoRoot, "cloud", "VideoAnalytics.Admin", "bin", configuration, "net10.0", "va.dll");
        }
    }

    /// <summary>Runs <c>va</c> with <paramref name="stdin"/>, bounded by a timeout.</summary>
    private static async Task<(int Code, string Output, string Error)> RunVaAsync(string stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.ArgumentList.Add(VaDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("VA_POSTGRES");
        using var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await output, await error);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
