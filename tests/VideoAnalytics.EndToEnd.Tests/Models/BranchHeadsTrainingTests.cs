using System.Text.Json;
using NpgsqlTypes;
using VideoAnalytics.Admin.Commands;
using VideoAnalytics.Cloud.Models.Heads;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Edge.Models;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Gating;

namespace VideoAnalytics.EndToEnd.Tests.Models;

/// <summary>
/// Labels (as Alerts writes them: staff decisions and judge verdicts with the clip's gate features) → per-branch
/// training with ML.NET → held-out comparison with the current heads → signed package → rollout to that branch's
/// edges only.
/// </summary>
[Collection(ModelCloud.Collection)]
public sealed class BranchHeadsTrainingTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private readonly string _name = "h-" + Guid.NewGuid().ToString("N")[..8];
    private ModelCloud _cloud = null!;
    private string _work = null!;
    private EdgeDevice _north = null!;
    private EdgeDevice _south = null!;

    public async Task InitializeAsync()
    {
        // The cloud signs trained heads with the organisation's key here; edges trust it.
        _cloud = await ModelCloud.StartAsync(new Dictionary<string, string?> { ["Cloud:Models:Training:CanaryPercent"] = "0" });
        _work = TestEnvironment.NewTempDir("va-heads");
        _north = await EdgeDevice.StartAsync($"north/s1/{_name}", _cloud.PublicKeyPath);
        _south = await EdgeDevice.StartAsync($"south/s1/{_name}", _cloud.PublicKeyPath);
        await _cloud.AddDevicesAsync($"north/s1/{_name}", $"south/s1/{_name}");
    }

    public async Task DisposeAsync()
    {
        await _north.DisposeAsync();
        await _south.DisposeAsync();
        await _cloud.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Each_branch_gets_heads_from_its_own_labels_and_a_worse_candidate_stays_home()
    {
        // The organisation's heads (trained by the edge engineer on the shared videos) run everywhere first.
        var orgHeads = GateModel.Load(Path.Combine(TestEnvironment.RepoRoot, "deploy", "models", "fight-gate", "heads.json"));
        var org = await HeadsPackages.WriteAsync(_work, _cloud, "gate-fight", "org.1", orgHeads);
        await HeadsPackages.PushAsync(_cloud, org, "org");
        await Task.WhenAll(_north.WaitForAsync(ModelApplyState.Running, "gate-fight@org.1", Wait), _south.WaitForAsync(ModelApplyState.Running, "gate-fight@org.1", Wait));

        // North fights are fast; south fights are people overlapping. Neither signal is what the other branch needs.
        var features = orgHeads.FeatureNames;
        await InsertLabelsAsync("north", features, fightSignal: GateFeatures.SpeedMax, seed: 1);
        await InsertLabelsAsync("south", features, fightSignal: GateFeatures.PairOverlapMax, seed: 2);

        using var api = new ModelsApiClient(_cloud.BaseUrl, ModelCloud.Token);
        var north = await TrainAsync(api, "north");
        var south = await TrainAsync(api, "south");
        Assert.True(north.RolledOut, north.Reason);
        Assert.True(south.RolledOut, south.Reason);
        Assert.True(north.CandidateLogLoss < north.CurrentLogLoss);
        Assert.Equal("gate-fight@org.1", north.CurrentHeads);
        Assert.True(north.StaffLabels > 0 && north.JudgeLabels > 0);

        var northHeads = await RunningHeadsAsync(_north, north.Model!);
        var southHeads = await RunningHeadsAsync(_south, south.Model!);
        Assert.NotEqual(northHeads.Version, southHeads.Version);
        Assert.StartsWith("north.", northHeads.Version, StringComparison.Ordinal);
        Assert.StartsWith("south.", southHeads.Version, StringComparison.Ordinal);
        // Each branch's heads lean on its own signal.
        Assert.True(Weight(northHeads, GateFeatures.SpeedMax) > Weight(northHeads, GateFeatures.PairOverlapMax));
        Assert.True(Weight(southHeads, GateFeatures.PairOverlapMax) > Weight(southHeads, GateFeatures.SpeedMax));

        // Training north again on the same labels cannot beat what north runs now (it has seen the held-out cameras).
        Assert.Equal(0, await HeadsCommands.TrainAsync(api, "north", "fight", CancellationToken.None));
        var again = await TrainAsync(api, "north");
        Assert.False(again.RolledOut);
        Assert.Contains("not better", again.Reason, StringComparison.Ordinal);
        Assert.Equal(north.Model, again.CurrentHeads);
        Assert.Equal(north.Model, Running(_north));
    }

    private static async Task<HeadTrainingResult> TrainAsync(ModelsApiClient api, string branch)
    {
        var json = await api.PostJsonAsync("api/models/heads/train", new { branch, rule = "fight" }, CancellationToken.None);
        return json.Deserialize<HeadTrainingResult>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    private static string? Running(EdgeDevice device) =>
        device.Manager.LastReport?.Models.Where(m => m.Kind == ModelKind.Heads).Select(m => $"{m.Name}@{m.Version}").SingleOrDefault();

    private static async Task<GateModel> RunningHeadsAsync(EdgeDevice device, string model)
    {
        await device.WaitForAsync(ModelApplyState.Running, model, Wait);
        using var lease = device.Manager.Slots.For(ModelKind.Heads).Acquire();
        return lease.Value.As<LoadedGateHeads>().Gate;
    }

    private static float Weight(GateModel m, string feature) => m.Weights[m.FeatureNames.ToList().IndexOf(feature)];

    /// <summary>Labels of 8 cameras: staff decisions for some clips, judge verdicts for others, features drawn per label.</summary>
    private async Task InsertLabelsAsync(string branch, IReadOnlyList<string> features, string fightSignal, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 160; i++)
        {
            var fight = i % 2 == 0;
            var values = features.ToDictionary(f => f, f => (float)(1 + random.NextDouble()));
            values[fightSignal] = (float)((fight ? 3 : 1) + random.NextDouble() * 1.2);
            await using var cmd = _cloud.Db.CreateCommand(
                "INSERT INTO labels (clip_id, source, branch, site, camera, rule, label, actor, features) VALUES ($1,$2,$3,$4,$5,'fight',$6,$7,$8)");
            var source = i % 3 == 0 ? "staff" : "judge";
            foreach (var v in new object[] { $"{branch}-clip-{i:D4}", source, branch, "s1", $"cam-{i / 2 % 8}", fight ? "fight" : "nofight", source == "staff" ? "guard" : "embedded-judge" })
                cmd.Parameters.Add(new() { Value = v });
            cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(values), NpgsqlDbType = NpgsqlDbType.Jsonb });
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
