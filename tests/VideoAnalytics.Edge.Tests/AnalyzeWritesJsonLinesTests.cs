using System.Text.Json;
using VideoAnalytics.Edge.Hosting.Commands;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Edge.Tests;

public sealed class AnalyzeWritesJsonLinesTests : IDisposable
{
    private readonly string _dir = TestEnvironment.NewTempDir("va-edge-analyze");

    [Fact]
    public void Analyze_writes_one_json_line_per_window_with_score_decision_features_and_tracks()
    {
        var json = Path.Combine(_dir, "windows.jsonl");
        var log = new StringWriter();
        var video = TestEnvironment.Videos("survfight", "fight", "fi010.mp4");
        Assert.Equal(0, AnalyzeCommand.Run(EdgeTestConfig.Detector(), video, EdgeTestConfig.DefaultGateHeads, json, log, CancellationToken.None));

        var lines = File.ReadAllLines(json);
        Assert.InRange(lines.Length, 3, 10);
        var tracked = 0;
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            Assert.InRange(root.GetProperty("score").GetDouble(), 0, 1);
            Assert.Contains(root.GetProperty("level").GetString(), new[] { "none", "uncertain", "certain" });
            Assert.True(root.GetProperty("end").GetDouble() > root.GetProperty("start").GetDouble());
            Assert.True(root.GetProperty("features").TryGetProperty("flow_persons_mean", out _));
            foreach (var t in root.GetProperty("tracks").EnumerateArray())
            {
                Assert.Equal("person", t.GetProperty("class").GetString());
                Assert.InRange(t.GetProperty("x").GetDouble(), 0, 1);
                tracked++;
            }
        }
        Assert.True(tracked > 0);
        Assert.Contains("windows=", log.ToString());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
