using System.Text.Json;
using System.Text.Json.Nodes;
using OpenCvSharp;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Gating;
using VideoAnalytics.Vision.Heads;

namespace VideoAnalytics.Edge.Tests;

public sealed class EdgeAgentRunsCamerasIntoTheSpoolTests : IDisposable
{
    private readonly string _dir = TestEnvironment.NewTempDir("va-edge-run");

    [Fact]
    public async Task The_agent_turns_a_video_camera_into_track_batches_gate_events_and_a_clip()
    {
        // A gate whose low threshold is 0: every window is at least uncertain, so the run must produce a clip.
        var heads = Path.Combine(_dir, "heads.json");
        var model = GateModel.Load(EdgeTestConfig.DefaultGateHeads);
        File.WriteAllText(heads, (model with { Low = 0, High = 1 }).ToJson());
        var config = WriteConfig(heads, camera: new JsonObject
        {
            ["Id"] = "cam-a", ["Source"] = TestEnvironment.Videos("survfight", "fight", "fi010.mp4"),
            ["AnalysisFps"] = 10, ["Live"] = false, ["Loop"] = false, ["QueueCapacity"] = 64,
        });
        var spool = new FolderSpool(Directory.CreateDirectory(Path.Combine(_dir, "spool")).FullName);

        var (exit, errors) = await EdgeTestConfig.RunAgentAsync(config, spool);

        Assert.Equal("", errors);
        Assert.Equal(0, exit);
        var raise = spool.GateEvents.First(e => e.Decision == GateDecision.Uncertain);
        Assert.Empty(raise.Validate(DateTimeOffset.UtcNow));
        Assert.Equal(GateFeatures.Core.Count, raise.Features.Count);
        var (manifest, _) = Assert.Single(spool.Clips);
        Assert.Equal(raise.ClipId, manifest.ClipId);
        Assert.Empty(manifest.Validate(DateTimeOffset.UtcNow));

        var batches = spool.TrackBatches.ToList();
        Assert.NotEmpty(batches);
        Assert.Equal(Enumerable.Range(0, batches.Count).Select(i => (long)i), batches.Select(b => b.Sequence));
        Assert.All(batches, b => Assert.Empty(b.Validate(DateTimeOffset.UtcNow)));
        var person = batches.SelectMany(b => b.Records).First(r => r.ClassName == "person" && r.Trajectory.Count > 1);
        Assert.NotNull(person.UpperColour);
        using var crop = Cv2.ImDecode(Convert.FromBase64String(person.BestCropJpegBase64!), ImreadModes.Color);
        Assert.False(crop.Empty());
        Assert.All(person.Trajectory, p => Assert.InRange(p.X, 0, 1));
    }

    [Fact]
    public async Task With_an_encoder_tracks_carry_embeddings_and_head_scores_and_the_gate_reads_a_scene_head()
    {
        // Heads of the real 512-d crop encoder: a crop head and a scene "fight" head the gate uses as a feature.
        var cropHeads = WriteHeads("crop-heads.json", "carrying", seed: 1);
        var sceneHeads = WriteHeads("scene-heads.json", "fight", seed: 2);
        var model = GateModel.Load(EdgeTestConfig.DefaultGateHeads);
        var gateHeads = Path.Combine(_dir, "gate.json");
        File.WriteAllText(gateHeads, (model with
        {
            Low = 0, High = 1, HeadNames = ["fight"], FeatureNames = [.. model.FeatureNames, GateFeatures.Head("fight")],
            Mean = [.. model.Mean, 0.5f], Std = [.. model.Std, 0.1f], Weights = [.. model.Weights, 0.5f],
        }).ToJson());
        var config = WriteConfig(gateHeads, camera: new JsonObject
        {
            ["Id"] = "cam-b", ["Source"] = TestEnvironment.Videos("survfight", "fight", "fi010.mp4"),
            ["AnalysisFps"] = 5, ["Live"] = false, ["Loop"] = false, ["QueueCapacity"] = 64,
        }, encoder: new JsonObject
        {
            ["Manifest"] = Path.Combine(TestEnvironment.RepoRoot, "deploy", "models", "osnet-x0-25", "manifest.json"),
            ["ModelFile"] = TestEnvironment.Models("osnet_x0_25_msmt17", "osnet_x0_25_msmt17.onnx"),
            ["Heads"] = cropHeads, ["SceneHeads"] = sceneHeads, ["SceneEverySeconds"] = 0.5,
        });
        var spool = new FolderSpool(Directory.CreateDirectory(Path.Combine(_dir, "spool-b")).FullName);

        var (exit, errors) = await EdgeTestConfig.RunAgentAsync(config, spool);

        Assert.Equal(0, exit);
        Assert.Equal("", errors);
        var record = spool.TrackBatches.SelectMany(b => b.Records).First(r => r.ClassName == "person");
        Assert.Equal(512, record.Embedding!.Length);
        Assert.InRange(record.Heads["carrying"], 0, 1);
        var raise = spool.GateEvents.First(e => e.Decision == GateDecision.Uncertain);
        Assert.InRange(raise.Features[GateFeatures.Head("fight")], 0.0001f, 1);
        var (manifest, _) = Assert.Single(spool.Clips);
        Assert.Equal(512, manifest.SceneEmbedding!.Length);
    }

    [Theory]
    [InlineData("AnalysisFps", "fast", "AnalysisFps")]
    [InlineData("Sorce", "x.mp4", "Sorce")]
    public async Task A_malformed_or_unknown_camera_key_fails_start_up_with_one_line_naming_it(string key, string value, string named)
    {
        var config = WriteConfig(EdgeTestConfig.DefaultGateHeads, camera: new JsonObject
        {
            ["Id"] = "cam-a", ["Source"] = TestEnvironment.PedestrianVideo, [key] = value,
        });
        var (exit, errors) = await EdgeTestConfig.RunAgentAsync(config, new FolderSpool(_dir));

        Assert.Equal(2, exit);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Edge:Cameras:0", line);
        Assert.Contains(named, line);
    }

    [Fact]
    public async Task A_missing_video_file_fails_start_up_naming_the_path()
    {
        var missing = Path.Combine(_dir, "no-such-video.mp4");
        var config = WriteConfig(EdgeTestConfig.DefaultGateHeads, camera: new JsonObject { ["Id"] = "cam-a", ["Source"] = missing });
        var (exit, errors) = await EdgeTestConfig.RunAgentAsync(config, new FolderSpool(_dir));

        Assert.Equal(2, exit);
        Assert.Contains(missing, errors);
        Assert.Contains("Edge:Cameras:0:Source", errors);
    }

    private string WriteHeads(string name, string head, int seed)
    {
        var random = new Random(seed);
        var file = new HeadsFile
        {
            Encoder = "osnet-x0-25", EmbeddingSize = 512,
            Heads = [new HeadDefinition
            {
                Name = head, Activation = "sigmoid", Labels = [head], Bias = [0],
                Weights = [Enumerable.Range(0, 512).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray()],
            }],
        };
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, HeadSet.Serialize(file));
        return path;
    }

    private string WriteConfig(string heads, JsonObject camera, JsonObject? encoder = null) => EdgeTestConfig.WriteAgentConfig(_dir, heads, camera, encoder);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
