using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Edge.Tests;

/// <summary>
/// deploy/docker/edge.json is what the edge image runs (<c>/etc/va/edge.json</c>). Its container paths are mapped to
/// where the same files are here (the manifests the image copies from deploy/models, the ONNX files it mounts) and its
/// camera is a real video; the agent must start from it and analyse the camera. GPU providers fall back to the CPU.
/// </summary>
public sealed class EdgeContainerConfigRunsTests : IDisposable
{
    private readonly string _dir = TestEnvironment.NewTempDir("va-edge-image");

    [Fact]
    public async Task The_images_config_starts_the_agent_on_its_camera()
    {
        var deploy = Path.Combine(TestEnvironment.RepoRoot, "deploy");
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(deploy, "docker", "edge.Dockerfile"));
        Assert.Contains("COPY deploy/models /opt/va/models", dockerfile, StringComparison.Ordinal);
        Assert.Contains("CMD [\"run\", \"--config\", \"/etc/va/edge.json\"]", dockerfile, StringComparison.Ordinal);

        var config = JsonNode.Parse(LocalPaths(await File.ReadAllTextAsync(Path.Combine(deploy, "docker", "edge.json"))))!;
        var camera = config["Edge"]!["Cameras"]![0]!;
        Assert.StartsWith("rtsp://", (string)camera["Source"]!, StringComparison.Ordinal);
        camera["Source"] = TestEnvironment.Videos("survfight", "nofight", "nofi006.mp4");
        camera["Live"] = false;
        camera["Loop"] = false;
        var path = Path.Combine(_dir, "edge.json");
        await File.WriteAllTextAsync(path, config.ToJsonString());
        var spool = new FolderSpool(Directory.CreateDirectory(Path.Combine(_dir, "spool")).FullName);

        var (exit, errors) = await EdgeTestConfig.RunAgentAsync(path, spool);

        Assert.Equal("", errors);
        Assert.Equal(0, exit);
        var records = spool.TrackBatches.SelectMany(b => b.Records).ToList();
        Assert.Contains(records, r => r.ClassName == "person" && r.Embedding is { Length: 512 });
    }

    /// <summary>/opt/va/models → deploy/models, /opt/va/onnx/NAME → that file under ../shared/models, /etc/va and /var/lib/va → a test folder.</summary>
    private string LocalPaths(string json)
    {
        json = json.Replace("\"/opt/va/models/", $"\"{TestEnvironment.RepoRoot}/deploy/models/", StringComparison.Ordinal);
        json = Regex.Replace(json, "\"/opt/va/onnx/([^\"]+)\"",
            m => $"\"{Directory.EnumerateFiles(TestEnvironment.Models(), m.Groups[1].Value, SearchOption.AllDirectories).Single()}\"");
        return Regex.Replace(json, "\"/(etc/va|var/lib/va)/", m => $"\"{_dir}/{m.Groups[1].Value}/");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
