using System.Text.Json.Nodes;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Vision.Tests;

/// <summary>Model files that disagree with their manifest fail at load time with a message naming the file.</summary>
public sealed class ModelPackageValidationTests : IDisposable
{
    private readonly string _dir = TestEnvironment.NewTempDir("va-model-pkg");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteManifest(string source, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(TestModels.Manifest(source)))!.AsObject();
        edit(json);
        var path = Path.Combine(_dir, "manifest.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    [Fact]
    public void Model_file_beside_the_manifest_is_found_when_no_path_is_given()
    {
        var manifest = WriteManifest("osnet-x0-25", _ => { });
        File.Copy(TestEnvironment.Models("osnet_x0_25_msmt17", "osnet_x0_25_msmt17.onnx"), Path.Combine(_dir, "osnet_x0_25_msmt17.onnx"));

        var package = ModelPackageLoader.Load(manifest);
        using var session = TestModels.Factory().Create(package);

        Assert.Equal(Path.Combine(_dir, "osnet_x0_25_msmt17.onnx"), package.ModelPath);
        Assert.Equal("osnet-x0-25", session.Manifest.Name);
    }

    [Fact]
    public void Missing_model_file_names_the_path()
    {
        var manifest = WriteManifest("osnet-x0-25", _ => { });

        var e = Assert.Throws<ModelLoadException>(() => ModelPackageLoader.Load(manifest));

        Assert.Contains(Path.Combine(_dir, "osnet_x0_25_msmt17.onnx"), e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Wrong_sha256_is_rejected()
    {
        var manifest = WriteManifest("yolox-nano", j => j["files"]![0]!["sha256"] = new string('a', 64));
        var package = ModelPackageLoader.Load(manifest, TestEnvironment.YoloxNano);

        var e = Assert.Throws<ModelLoadException>(() => TestModels.Factory().Create(package));

        Assert.Contains(TestEnvironment.YoloxNano, e.Message);
        Assert.Contains("SHA-256", e.Message);
    }

    [Fact]
    public void Input_size_that_disagrees_with_the_model_is_rejected()
    {
        var manifest = WriteManifest("yolox-nano", j => { j["input"]!["width"] = 320; j["input"]!["height"] = 320; });
        var package = ModelPackageLoader.Load(manifest, TestEnvironment.YoloxNano);

        var e = Assert.Throws<ModelLoadException>(() => TestModels.Factory().Create(package));

        Assert.Contains("expects input [?,3,416,416]", e.Message.Replace("[1,", "[?,"));
        Assert.Contains("320x320", e.Message);
        Assert.Contains("yolox_nano.onnx", e.Message);
    }

    [Fact]
    public void Output_name_that_the_model_lacks_is_rejected()
    {
        var manifest = WriteManifest("omz-reid-0287", j => j["outputs"]![0]!["name"] = "embedding");
        var package = ModelPackageLoader.Load(manifest, TestModels.OmzReid.ModelPath);

        var e = Assert.Throws<ModelLoadException>(() => TestModels.Factory().Create(package));

        Assert.Contains("no output 'embedding'", e.Message);
        Assert.Contains("Identity:0", e.Message);
    }

    [Fact]
    public void Invalid_manifest_is_rejected_with_the_reason()
    {
        var manifest = WriteManifest("yolox-nano", j => j["input"]!["layout"] = "chw");

        var e = Assert.Throws<ModelLoadException>(() => ModelPackageLoader.Load(manifest, TestEnvironment.YoloxNano));

        Assert.Contains(manifest, e.Message);
        Assert.Contains("layout", e.Message);
    }

    [Fact]
    public void Every_committed_manifest_loads_its_reference_model()
    {
        using var factory = new DisposableList();
        foreach (var package in new[] { TestModels.YoloxNano, TestModels.Osnet, TestModels.OmzReid, TestModels.SimplePose })
        {
            factory.Add(TestModels.Factory().Create(package));
        }
        Assert.Equal(4, factory.Count);
    }

    private sealed class DisposableList : List<IDisposable>, IDisposable
    {
        public void Dispose() => ForEach(d => d.Dispose());
    }
}
