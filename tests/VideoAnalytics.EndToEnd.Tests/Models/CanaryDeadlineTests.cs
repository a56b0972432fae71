using VideoAnalytics.Cloud.Models;
using VideoAnalytics.Cloud.Models.Rollout;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Models;

/// <summary>
/// A canary whose devices are offline does not hold a rollout forever: at the deadline the scope rolls back, also when
/// the deadline passed while the silo was restarting.
/// </summary>
[Collection(ModelCloud.Collection)]
public sealed class CanaryDeadlineTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private readonly string _name = "c-" + Guid.NewGuid().ToString("N")[..8];
    private ModelCloud? _cloud;
    private EdgeDevice? _online;
    private readonly string _work = TestEnvironment.NewTempDir("va-canary");

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task<ModelCloud> StartCloudAsync(string canaryTimeout)
    {
        _cloud = await ModelCloud.StartAsync(new Dictionary<string, string?>
        {
            ["Cloud:Models:CanaryTimeout"] = canaryTimeout, ["Cloud:Models:CanaryWatchInterval"] = "00:00:00.500",
        });
        await _cloud.AddDevicesAsync([.. Enumerable.Range(1, 4).Select(i => $"east/s{i}/{_name}")]);
        return _cloud;
    }

    public async Task DisposeAsync()
    {
        if (_online is not null) await _online.DisposeAsync();
        if (_cloud is not null) await _cloud.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Silent_canary_devices_count_as_failed_once_the_deadline_passes()
    {
        var cloud = await StartCloudAsync("00:00:03");
        _online = await EdgeDevice.StartAsync($"east/s1/{_name}", cloud.PublicKeyPath); // the other three are offline
        var package = await HeadsPackages.WriteAsync(_work, cloud, "gate-heads", "1.0.0", HeadsPackages.Heads(0.5f));
        await HeadsPackages.PushAsync(cloud, package, "branch:east", canary: 50);

        // Rolled back with nothing before it, the scope has no active assignment left: ask the rollout grain itself.
        var grain = cloud.Rollout("branch:east", "heads");
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

    [Fact]
    public async Task A_deadline_that_passed_during_a_silo_restart_still_rolls_the_canary_back()
    {
        // Every device is offline, so no report will ever activate the rollout grain on the restarted silo.
        var cloud = await StartCloudAsync("00:00:08");
        var package = await HeadsPackages.WriteAsync(_work, cloud, "gate-heads", "1.0.0", HeadsPackages.Heads(0.5f));
        await HeadsPackages.PushAsync(cloud, package, "branch:east", canary: 50);
        _cloud = cloud = await cloud.RestartAsync(); // well before the deadline: the first silo's timer never fires

        // Watch the database, not the grain: asking the grain would activate it and arm its timer.
        await using var state = cloud.Db.CreateCommand("SELECT state FROM model_assignments WHERE scope = 'branch:east'");
        using var cts = new CancellationTokenSource(Wait);
        while ((string?)await state.ExecuteScalarAsync(cts.Token) != "rolled_back") await Task.Delay(200, cts.Token);
    }
}
