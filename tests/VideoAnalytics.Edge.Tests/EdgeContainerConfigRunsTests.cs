using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using VideoAnalytics.Edge.Hosting.Commands;
using VideoAnalytics.Edge.Uplink.Spool;
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

        var config = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(deploy, "docker", "edge.json")))!;
        MapPaths(config);
        var camera = config["Edge"]!["Cameras"]![0]!;
        Assert.StartsWith("rtsp://", (string)camera["Source"]!, StringComparison.Ordinal);
        camera["Source"] = TestEnvironment.Videos("survfight", "nofight", "nofi006.mp4");
        camera["Live"] = false;
        camera["Loop"] = false;
        var path = Path.Combine(_dir, "edge.json");
        await File.WriteAllTextAsync(path, config.ToJsonString());
        var spool = new FolderSpool(Directory.CreateDirectory(Path.Combine(_dir, "spool")).FullName);
        var errors = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var exit = await RunCommand.RunAsync(path, null, b => b.Services.AddSingleton<ISpool>(spool), errors, cts.Token);

        Assert.Equal("", errors.ToString());
        Assert.Equal(0, exit);
        var records = spool.TrackBatches.SelectMany(b => b.Records).ToList();
        Assert.Contains(records, r => r.ClassName == "person" && r.Embedding is { Length: 512 });
    }

    /// <summary>/opt/va/models → deploy/models, /opt/va/onnx/NAME → that file under ../shared/models, other container folders → a test folder.</summary>
    private void MapPaths(JsonNode node)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj.ToList())
            {
                if (value is JsonValue v && v.TryGetValue<string>(out var s) && s.StartsWith('/')) obj[key] = MapPath(s);
                else if (value is not null) MapPaths(value);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var item in array) if (item is not null) MapPaths(item);
        }
    }

    private string MapPath(string path)
    {
        const string models = "/opt/va/models/", onnx = "/opt/va/onnx/";
        if (path.StartsWith(models, StringComparison.Ordinal)) return Path.Combine(TestEnvironment.RepoRoot, "deploy", "models", path[models.Length..]);
        if (path.StartsWith(onnx, StringComparison.Ordinal))
            return Directory.EnumerateFiles(TestEnvironment.Models(), path[onnx.Length..], SearchOption.AllDirectories).Single();
        return Path.Combine(_dir, path.TrimStart('/'));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
