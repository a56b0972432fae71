using VideoAnalytics.EndToEnd.Tests.Models;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Admin;

/// <summary>The built <c>va</c> executable, as an admin runs it: keys, sign, push, status against the real registry.</summary>
[Collection(ModelCloud.Collection)]
public sealed class AdminCliPushesModelsTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly string _work = TestEnvironment.NewTempDir("va-cli");
    private ModelCloud _cloud = null!;

    public async Task InitializeAsync() => _cloud = await ModelCloud.StartAsync();

    public async Task DisposeAsync()
    {
        await _cloud.DisposeAsync();
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Every_command_group_is_there_and_a_package_goes_from_sign_to_the_registry()
    {
        using var help = await RunAsync(["--help"]);
        Assert.Equal(0, help.ExitCode);
        foreach (var group in new[] { "users", "keys", "models", "heads" }) Assert.Contains(group, help.Tail(), StringComparison.Ordinal);

        var keys = Path.Combine(_work, "keys");
        using (var create = await RunAsync(["keys", "create", "--out", keys, "--id", "cli-test"], new Dictionary<string, string> { ["VA_LOG_LEVEL"] = "Information" }))
        {
            Assert.True(create.ExitCode == 0, create.Tail());
            Assert.Contains("va keys create exited with 0", create.Tail(), StringComparison.Ordinal); // Serilog, on stderr
        }
        Assert.True(File.Exists(Path.Combine(keys, "cli-test.private.pem")) && File.Exists(Path.Combine(keys, "cli-test.public.pem")));

        // A package signed with the registry's trusted key goes in; status lists it; a bad token is refused with a reason.
        var package = await HeadsPackages.WriteAsync(_work, _cloud, "gate-heads", "1.0.0", HeadsPackages.Heads(0.5f));
        using var push = await RunAsync(["models", "push", package, "--scope", "branch:north", "--cloud", _cloud.BaseUrl, "--token", ModelCloud.Token]);
        Assert.True(push.ExitCode == 0, push.Tail());
        using var status = await RunAsync(["models", "status", "--cloud", _cloud.BaseUrl, "--token", ModelCloud.Token]);
        Assert.True(status.ExitCode == 0, status.Tail());
        Assert.Contains("gate-heads", status.Tail(), StringComparison.Ordinal);
        using var refused = await RunAsync(["models", "status", "--cloud", _cloud.BaseUrl, "--token", "not-the-token-at-all"]);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("401", refused.Tail(), StringComparison.Ordinal);
    }

    private static async Task<ChildProcess> RunAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var va = ChildProcess.StartDotnet(ChildProcess.ProjectDll("cloud/VideoAnalytics.Admin", "va"), args, environment);
        Assert.True(await va.WaitForExitAsync(Wait), "va did not finish:\n" + va.Tail());
        return va;
    }
}
