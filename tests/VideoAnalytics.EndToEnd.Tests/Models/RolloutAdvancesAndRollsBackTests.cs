using System.Net;
using System.Net.Http.Headers;
using VideoAnalytics.Admin.Commands;
using VideoAnalytics.Cloud.Models;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Models;

/// <summary>
/// The whole path with real parts: va models sign/push → registry (Postgres, blobs) → RolloutGrain → retained
/// models/desired on Mosquitto → edge uplink → model manager (download, verify, self-test, swap) → models/reported →
/// rollout decisions.
/// </summary>
[Collection(ModelCloud.Collection)]
public sealed class RolloutAdvancesAndRollsBackTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    // Device names of their own per test: the tests share one broker, and device topics are retained.
    private readonly string _name = "j-" + Guid.NewGuid().ToString("N")[..8];
    private string[] North => [.. Enumerable.Range(1, 4).Select(i => $"north/s{i}/{_name}")];
    private string South => $"south/s1/{_name}";
    private ModelCloud _cloud = null!;
    private string _work = null!;
    private readonly List<EdgeDevice> _devices = [];

    public async Task InitializeAsync()
    {
        _cloud = await ModelCloud.StartAsync();
        _work = TestEnvironment.NewTempDir("va-rollout");
        await _cloud.AddDevicesAsync([.. North, South]);
        foreach (var d in North.Append(South)) _devices.Add(await EdgeDevice.StartAsync(d, _cloud.PublicKeyPath));
    }

    public async Task DisposeAsync()
    {
        foreach (var d in _devices) await d.DisposeAsync();
        await _cloud.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private IEnumerable<EdgeDevice> NorthDevices => _devices.Take(North.Length);

    private async Task AllReportAsync(IEnumerable<EdgeDevice> devices, string model) =>
        await Task.WhenAll(devices.Select(d => d.WaitForAsync(ModelApplyState.Running, model, Wait)));

    [Fact]
    public async Task A_healthy_canary_advances_to_the_scope_and_a_failing_version_is_rolled_back_automatically()
    {
        var v1 = await HeadsPackages.WriteAsync(_work, _cloud, "gate-heads", "1.0.0", HeadsPackages.Heads(0.5f));
        await HeadsPackages.PushAsync(_cloud, v1, "branch:north", canary: 50);
        await AllReportAsync(NorthDevices, "gate-heads@1.0.0");
        Assert.Null(_devices[^1].Manager.LastReport); // south is outside the scope: nothing was sent to it

        var rollouts = _cloud.Services.GetService(typeof(ModelRollouts)) as ModelRollouts;
        var status = await WaitForPhaseAsync(rollouts!, "completed");
        var r = Assert.Single(status.Rollouts);
        Assert.Equal((4, 2, 4), (r.Targeted, r.Canary, r.Running));
        var lease = NorthDevices.First().Manager.Slots.For(ModelKind.Heads).Acquire();
        using (lease) Assert.Equal(0.5f, lease.Value.As<Edge.Models.LoadedGateHeads>().Gate.Weights[0]);

        // 2.0.0 is signed and well formed, but its heads file disagrees with its feature list: every device refuses it.
        var v2 = await HeadsPackages.WriteAsync(_work, _cloud, "gate-heads", "2.0.0", HeadsPackages.Heads(0.9f, weights: 3));
        await HeadsPackages.PushAsync(_cloud, v2, "branch:north", canary: 25);
        status = await WaitForPhaseAsync(rollouts!, "rolledback");
        r = Assert.Single(status.Rollouts);
        Assert.Equal("gate-heads@2.0.0", r.Model);
        Assert.Equal(1, r.Released); // only the canary ever got it
        Assert.Contains("mean/std/weights must each have 2 values", r.Reason, StringComparison.Ordinal);
        // Every device still runs 1.0.0 (the canary kept it and reports it again for the restored desired state).
        await AllReportAsync(NorthDevices, "gate-heads@1.0.0");
        Assert.All(status.Devices.Where(d => d.Device.StartsWith("north/", StringComparison.Ordinal)), d => Assert.Contains("heads=gate-heads@1.0.0", d.Desired));
    }

    [Fact]
    public async Task A_manual_rollback_puts_the_scope_back_on_the_previous_version()
    {
        var v1 = await HeadsPackages.WriteAsync(_work, _cloud, "gate-heads", "1.0.0", HeadsPackages.Heads(0.5f));
        var v3 = await HeadsPackages.WriteAsync(_work, _cloud, "gate-heads", "3.0.0", HeadsPackages.Heads(0.7f));
        await HeadsPackages.PushAsync(_cloud, v1, "org");
        await AllReportAsync(_devices, "gate-heads@1.0.0");
        await HeadsPackages.PushAsync(_cloud, v3, "site:north/s2");
        await AllReportAsync([_devices[1]], "gate-heads@3.0.0");
        Assert.Equal("gate-heads@1.0.0", $"{_devices[0].Manager.LastReport!.Models[0].Name}@{_devices[0].Manager.LastReport!.Models[0].Version}");

        using var api = new ModelsApiClient(_cloud.BaseUrl, ModelCloud.Token);
        var back = await api.PostJsonAsync("api/models/rollback", new { scope = "site:north/s2" }, CancellationToken.None);
        Assert.Equal("rolledback", back[0].GetProperty("phase").GetString());
        await AllReportAsync([_devices[1]], "gate-heads@1.0.0");
        Assert.Equal(0, await ModelsCommands.StatusAsync(api, "site:north/s2", CancellationToken.None));
    }

    [Fact]
    public async Task Uploads_are_refused_with_what_to_fix()
    {
        var dir = await HeadsPackages.WriteAsync(_work, _cloud, "gate-heads", "4.0.0", HeadsPackages.Heads(0.5f));
        await File.AppendAllTextAsync(Path.Combine(dir, Edge.Models.GateHeadsActivator.FileName), " ");
        using var api = new ModelsApiClient(_cloud.BaseUrl, ModelCloud.Token);
        var stderr = new StringWriter();
        var saved = System.Console.Error;
        System.Console.SetError(stderr);
        try
        {
            Assert.Equal(1, await ModelsCommands.WithApi(_cloud.BaseUrl, ModelCloud.Token, a => ModelsCommands.PushAsync(a, new DirectoryInfo(dir), "org", 0, CancellationToken.None)));
            Assert.Equal(1, await ModelsCommands.WithApi(_cloud.BaseUrl, "wrong-token-0123456789", async a => { await a.GetAsync("api/models/packages", CancellationToken.None); return 0; }));
        }
        finally
        {
            System.Console.SetError(saved);
        }
        Assert.Contains("manifest.json: files[0].bytes is", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("re-run va models sign", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("401", stderr.ToString(), StringComparison.Ordinal);

        // The server checks too (a client that skips the local check): signed by a key the cloud does not trust.
        var rogueKeys = TestEnvironment.NewTempDir("va-rogue");
        Assert.Equal(0, KeysCommands.Create(new DirectoryInfo(rogueKeys), "rogue"));
        var rogue = await HeadsPackages.WriteAsync(_work, _cloud, "gate-heads", "5.0.0", HeadsPackages.Heads(0.5f));
        Assert.Equal(0, await ModelsCommands.SignAsync(new DirectoryInfo(rogue), new FileInfo(Path.Combine(rogueKeys, "rogue.private.pem")), null, CancellationToken.None));
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ModelCloud.Token);
        using var form = new MultipartFormDataContent();
        foreach (var f in Directory.GetFiles(rogue)) form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(f)), "file", Path.GetFileName(f));
        using var response = await http.PostAsync($"{_cloud.BaseUrl}/api/models/packages", form);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("key 'rogue' is not trusted here", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Directory.Delete(rogueKeys, recursive: true);
    }

    private static async Task<ModelsStatus> WaitForPhaseAsync(ModelRollouts rollouts, string phase)
    {
        using var cts = new CancellationTokenSource(Wait);
        while (true)
        {
            var (status, error) = await rollouts.StatusAsync("branch:north", cts.Token);
            Assert.Null(error);
            if (status!.Rollouts.Count == 1 && status.Rollouts[0].Phase == phase) return status;
            await Task.Delay(100, cts.Token);
        }
    }
}
