using VideoAnalytics.Cloud.Models;
using VideoAnalytics.Cloud.Models.Rollout;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Models;

/// <summary>A canary whose devices are offline does not hold a rollout forever: at the deadline the scope rolls back.</summary>
[Collection(ModelCloud.Collection)]
public sealed class CanaryDeadlineTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private readonly string _name = "c-" + Guid.NewGuid().ToString("N")[..8];
    private ModelCloud _cloud = null!;
    private EdgeDevice _online = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _cloud = await ModelCloud.StartAsync(new Dictionary<string, string?> { ["Cloud:Models:CanaryTimeout"] = "00:00:03" });
        _work = TestEnvironment.NewTempDir("va-canary");
        await _cloud.AddDevicesAsync([.. Enumerable.Range(1, 4).Select(i => $"east/s{i}/{_name}")]);
        _online = await EdgeDevice.StartAsync($"east/s1/{_name}", _cloud.PublicKeyPath); // the other three are offline
    }

    public async Task DisposeAsync()
    {
        await _online.DisposeAsync();
        await _cloud.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Silent_canary_devices_count_as_failed_once_the_deadline_passes()
    {
        var package = await HeadsPackages.WriteAsync(_work, _cloud, "gate-heads", "1.0.0", HeadsPackages.Heads(0.5f));
        await HeadsPackages.PushAsync(_cloud, package, "branch:east", canary: 50);

        // Rolled back with nothing before it, the scope has no active assignment left: ask the rollout grain itself.
        var grain = _cloud.Rollout("branch:east", "heads");
        using var cts = new CancellationTokenSource(Wait);
        RolloutSummary? rollout;
        while ((rollout = await grain.GetAsync()) is not { Phase: "rolledback" })
        {
            Assert.True(rollout is null or { Phase: "canary" }, $"phase {rollout?.Phase}: the rest was released without the canary");
            await Task.Delay(200, cts.Token);
        }
        Assert.Contains("canary deadline", rollout.Reason, StringComparison.Ordinal);
        Assert.Equal(2, rollout.Released); // only the canary was ever given the new version
    }
}
