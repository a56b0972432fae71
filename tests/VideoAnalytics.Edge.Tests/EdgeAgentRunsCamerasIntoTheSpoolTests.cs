using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenCvSharp;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Edge.Hosting.Commands;
using VideoAnalytics.Edge.Uplink.Spool;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Gating;

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
        var errors = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var exit = await RunCommand.RunAsync(config, null, b => b.Services.AddSingleton<ISpool>(spool), errors, cts.Token);

        Assert.Equal("", errors.ToString());
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

    [Theory]
    [InlineData("AnalysisFps", "fast", "AnalysisFps")]
    [InlineData("Sorce", "x.mp4", "Sorce")]
    public async Task A_malformed_or_unknown_camera_key_fails_start_up_with_one_line_naming_it(string key, string value, string named)
    {
        var config = WriteConfig(EdgeTestConfig.DefaultGateHeads, camera: new JsonObject
        {
            ["Id"] = "cam-a", ["Source"] = TestEnvironment.PedestrianVideo, [key] = value,
        });
        var errors = new StringWriter();
        var exit = await RunCommand.RunAsync(config, null, b => b.Services.AddSingleton<ISpool>(new FolderSpool(_dir)), errors, CancellationToken.None);

        Assert.Equal(2, exit);
        var line = Assert.Single(errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Edge:Cameras:0", line);
        Assert.Contains(named, line);
    }

    [Fact]
    public async Task A_missing_video_file_fails_start_up_naming_the_path()
    {
        var missing = Path.Combine(_dir, "no-such-video.mp4");
        var config = WriteConfig(EdgeTestConfig.DefaultGateHeads, camera: new JsonObject { ["Id"] = "cam-a", ["Source"] = missing });
        var errors = new StringWriter();
        var exit = await RunCommand.RunAsync(config, null, b => b.Services.AddSingleton<ISpool>(new FolderSpool(_dir)), errors, CancellationToken.None);

        Assert.Equal(2, exit);
        Assert.Contains(missing, errors.ToString());
        Assert.Contains("Edge:Cameras:0:Source", errors.ToString());
    }

    private string WriteConfig(string heads, JsonObject camera)
    {
        var config = new JsonObject
        {
            ["Edge"] = new JsonObject
            {
                ["Device"] = new JsonObject { ["Branch"] = "test-branch", ["Site"] = "test-site", ["Device"] = "test-edge" },
                ["Cameras"] = new JsonArray(camera),
                ["Detector"] = new JsonObject { ["Manifest"] = EdgeTestConfig.DetectorManifest, ["ModelFile"] = TestEnvironment.YoloxNano },
                ["Gate"] = new JsonObject { ["Heads"] = heads, ["PreRollSeconds"] = 1, ["PostRollSeconds"] = 1, ["CooldownSeconds"] = 0 },
                ["Tracks"] = new JsonObject { ["BatchSeconds"] = 0.5, ["MinTrackSeconds"] = 0 },
            },
        };
        var path = Path.Combine(_dir, $"config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
