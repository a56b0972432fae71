using System.Text.Json;
using VideoAnalytics.Edge.Hosting.Commands;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Gating;

namespace VideoAnalytics.Edge.Tests;

public sealed class TrainGateOnLabelledVideosTests : IDisposable
{
    private readonly string _dir = TestEnvironment.NewTempDir("va-edge-train");

    [Fact]
    public void Train_gate_on_a_grouped_subset_writes_a_heads_file_that_loads_and_reuses_its_feature_cache()
    {
        // 12 real labelled videos from 3 source groups, both labels in each group.
        var (csv, subset) = EdgeTestConfig.WriteLabels(_dir, ("1", true, 3), ("1", false, 1), ("5", true, 2), ("5", false, 2), ("41", true, 1), ("41", false, 3));
        Assert.Equal(12, subset.Count);
        var output = Path.Combine(_dir, "gate");
        var settings = new GateWindowSettings(2, 0.5, FlowWidth: 96);
        var options = new GateTrainingOptions { Folds = 3 };

        var log = new StringWriter();
        Assert.Equal(0, TrainGateCommand.Run(EdgeTestConfig.Detector(), csv, output, 5, settings, options, log, CancellationToken.None));

        var model = GateModel.Load(Path.Combine(output, "heads.json"));
        Assert.Equal("fight", model.Rule);
        Assert.Equal(GateFeatures.Core, model.FeatureNames);
        Assert.InRange(model.Low, 0, model.High);
        Assert.Equal(5, model.AnalysisFps);
        Assert.Equal(96, model.FlowWidth);
        Assert.Equal(settings, model.Window());
        Assert.Contains("ML.NET", model.Provenance["trainer"]);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        Assert.Equal(12, metrics.RootElement.GetProperty("videos").GetInt32());
        Assert.Equal(3, metrics.RootElement.GetProperty("groups").GetInt32());
        var heldOut = metrics.RootElement.GetProperty("heldOut").EnumerateArray().ToList();
        Assert.Equal(12, heldOut.Count);
        // Grouped: every group's videos were scored in one fold, by a model that did not see that group.
        Assert.All(heldOut.GroupBy(h => h.GetProperty("group").GetString()), g => Assert.Single(g.Select(h => h.GetProperty("fold").GetInt32()).Distinct()));
        Assert.InRange(metrics.RootElement.GetProperty("recall").GetDouble(), 0.9, 1.0);

        var again = new StringWriter();
        Assert.Equal(0, TrainGateCommand.Run(EdgeTestConfig.Detector(), csv, output, 5, settings, options, again, CancellationToken.None));
        Assert.Equal(12, again.ToString().Split('\n').Count(l => l.Contains("(cached)")));
    }

    [Fact]
    public void A_heads_file_written_before_flow_width_existed_runs_its_flow_at_the_160_px_it_was_trained_on()
    {
        var current = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(EdgeTestConfig.DefaultGateHeads))!;
        current.Remove("flowWidth");
        var legacy = Path.Combine(_dir, "legacy-heads.json");
        File.WriteAllText(legacy, JsonSerializer.Serialize(current));

        Assert.Equal(GateWindowSettings.LegacyFlowWidth, GateModel.Load(legacy).Window().FlowWidth);
        current["flowWidth"] = JsonSerializer.SerializeToElement(8);
        File.WriteAllText(legacy, JsonSerializer.Serialize(current));
        Assert.Contains("flowWidth 8", Assert.Throws<InvalidDataException>(() => GateModel.Load(legacy)).Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
