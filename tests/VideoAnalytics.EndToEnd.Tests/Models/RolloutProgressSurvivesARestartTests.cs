using VideoAnalytics.Cloud.Models.Rollout;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Models;

/// <summary>
/// A rollout keeps each device's progress as a row of its own: after a silo restart the devices that already run the
/// new version still count, although they never report again.
/// </summary>
[Collection(ModelCloud.Collection)]
public sealed class RolloutProgressSurvivesARestartTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private readonly string _name = "r-" + Guid.NewGuid().ToString("N")[..8];
    private ModelCloud _cloud = null!;
    private string _work = null!;
    private readonly List<EdgeDevice> _devices = [];

    private string Device(int site) => $"west/s{site}/{_name}";

    public async Task InitializeAsync()
    {
        _cloud = await ModelCloud.StartAsync();
        _work = TestEnvironment.NewTempDir("va-rollout-restart");
        await _cloud.AddDevicesAsync([.. Enumerable.Range(1, 4).Select(Device)]);
    }

    public async Task DisposeAsync()
    {
        foreach (var d in _devices) await d.DisposeAsync();
        await _cloud.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Devices_that_reported_before_a_silo_restart_still_count_after_it()
    {
        // Two of four devices are online when the version goes out to the whole branch (no canary).
        var early = new[] { await EdgeDevice.StartAsync(Device(1), _cloud.PublicKeyPath), await EdgeDevice.StartAsync(Device(2), _cloud.PublicKeyPath) };
        var package = await HeadsPackages.WriteAsync(_work, _cloud, "gate-heads", "1.0.0", HeadsPackages.Heads(0.5f));
        await HeadsPackages.PushAsync(_cloud, package, "branch:west", canary: 100);
        await Task.WhenAll(early.Select(d => d.WaitForAsync(ModelApplyState.Running, "gate-heads@1.0.0", Wait)));
        await WaitForAsync(r => r.Running == 2, "two devices recorded as running");
        foreach (var d in early) await d.DisposeAsync(); // they will not report again

        _cloud = await _cloud.RestartAsync();
        var afterRestart = await WaitForAsync(r => r.Running == 2, "progress read back after the restart");
        Assert.Equal(("full", 4, 4), (afterRestart.Phase, afterRestart.Targeted, afterRestart.Released));

        // The other two come online: the rollout completes only if the first two still count.
        _devices.Add(await EdgeDevice.StartAsync(Device(3), _cloud.PublicKeyPath));
        _devices.Add(await EdgeDevice.StartAsync(Device(4), _cloud.PublicKeyPath));
        var done = await WaitForAsync(r => r.Phase == "completed", "the rollout completed");
        Assert.Equal((4, 0), (done.Running, done.Failed));
    }

    private async Task<RolloutSummary> WaitForAsync(Func<RolloutSummary, bool> condition, string what)
    {
        var grain = _cloud.Rollout("branch:west", "heads");
        var deadline = DateTime.UtcNow + Wait;
        RolloutSummary? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if ((last = await grain.GetAsync()) is { } r && condition(r)) return r;
            await Task.Delay(200);
        }
        Assert.Fail($"waited {Wait.TotalSeconds} s for {what}; last: {last}");
        return null!;
    }
}
