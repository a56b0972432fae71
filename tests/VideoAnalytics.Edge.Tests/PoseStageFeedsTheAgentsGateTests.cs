using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Edge.Hosting.Commands;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Gating;

namespace VideoAnalytics.Edge.Tests;

/// <summary>Edge:Pose: train-gate learns the pose features and the agent computes them for its gate; a mismatch is refused.</summary>
public sealed class PoseStageFeedsTheAgentsGateTests : IDisposable
{
    private readonly string _dir = TestEnvironment.NewTempDir("va-edge-pose");

    private static JsonObject Pose => new() { ["Manifest"] = EdgeTestConfig.PoseManifest, ["ModelFile"] = EdgeTestConfig.PoseModel, ["MaxPeople"] = 3 };

    private static JsonObject Camera => new()
    {
        ["Id"] = "cam-a", ["Source"] = TestEnvironment.Videos("survfight", "fight", "fi010.mp4"),
        ["AnalysisFps"] = 10, ["Live"] = false, ["Loop"] = false,
    };

    [Fact]
    public async Task A_gate_trained_with_pose_runs_in_an_agent_with_pose_and_its_events_carry_the_pose_features()
    {
        var (csv, _) = EdgeTestConfig.WriteLabels(_dir, ("1", true, 2), ("1", false, 2), ("5", true, 2), ("5", false, 2));
        var training = new ConfigurationBuilder().AddConfiguration(EdgeTestConfig.Detector()).AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Edge:Pose:Manifest"] = EdgeTestConfig.PoseManifest, ["Edge:Pose:ModelFile"] = EdgeTestConfig.PoseModel, ["Edge:Pose:MaxPeople"] = "3",
        }).Build();
        var gateDir = Path.Combine(_dir, "gate");
        Assert.Equal(0, TrainGateCommand.Run(training, csv, gateDir, 5, new GateWindowSettings(2, 0.5), new GateTrainingOptions { Folds = 2 }, new StringWriter(), CancellationToken.None));
        var trained = GateModel.Load(Path.Combine(gateDir, "heads.json"));
        Assert.Equal([.. GateFeatures.Core, .. GateFeatures.Pose], trained.FeatureNames);

        // Low 0: every window is at least uncertain, so the run must emit events with their features.
        var heads = Path.Combine(_dir, "heads.json");
        File.WriteAllText(heads, (trained with { Low = 0, High = 1 }).ToJson());
        var spool = new FolderSpool(Directory.CreateDirectory(Path.Combine(_dir, "spool")).FullName);
        var (exit, errors) = await EdgeTestConfig.RunAgentAsync(EdgeTestConfig.WriteAgentConfig(_dir, heads, Camera, pose: Pose), spool);

        Assert.Equal((0, ""), (exit, errors));
        var raise = spool.GateEvents.First(e => e.Decision == GateDecision.Uncertain);
        Assert.Equal(trained.FeatureNames.Order(), raise.Features!.Keys.Order());
        Assert.Contains(spool.GateEvents, e => e.Features![GateFeatures.PoseWristSpeedMax] > 0);
    }

    [Fact]
    public async Task Pose_on_with_a_gate_trained_without_it_fails_at_start_and_says_what_to_do()
    {
        var (exit, errors) = await EdgeTestConfig.RunAgentAsync(
            EdgeTestConfig.WriteAgentConfig(_dir, EdgeTestConfig.DefaultGateHeads, Camera, pose: Pose), new FolderSpool(_dir), timeoutSeconds: 60);

        Assert.NotEqual(0, exit);
        Assert.Contains("Edge:Pose", errors, StringComparison.Ordinal);
        Assert.Contains("pose_wrist_speed_max", errors, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
