using OpenCvSharp;
using VideoAnalytics.Edge.Capture;
using VideoAnalytics.Edge.Perception;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Encoding;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Edge.Tests;

/// <summary>
/// Without scene heads nothing reads the frame embedding between clips: the encoder runs when a clip asks for it, not
/// once a second on every camera.
/// </summary>
public sealed class SceneEmbeddingIsEncodedWhenReadTests
{
    [Fact]
    public void Without_scene_heads_frames_are_encoded_only_when_a_clip_reads_the_embedding()
    {
        using var encoder = new ImageEncoder(new OnnxSessionFactory(new OnnxRuntimeOptions()).Create(ModelPackageLoader.Load(
            Path.Combine(TestEnvironment.RepoRoot, "deploy", "models", "osnet-x0-25", "manifest.json"),
            TestEnvironment.Models("osnet_x0_25_msmt17", "osnet_x0_25_msmt17.onnx"))));
        var scene = new SceneObserver(encoder, null, TimeSpan.FromSeconds(1));
        using var source = new VideoFileSource(TestEnvironment.PedestrianVideo);
        using var frame = new Mat();
        var position = TimeSpan.Zero;
        for (var i = 0; i < 30 && source.TryRead(frame, out position); i++) scene.Update(frame, position); // 3 s of video
        Assert.Equal(0, encoder.Inferences);
        Assert.Empty(scene.Heads);

        var embedding = scene.Embedding(frame, position);
        Assert.Equal(encoder.EmbeddingSize, embedding.Length);
        Assert.Equal(1, Math.Sqrt(embedding.Sum(v => (double)v * v)), 3); // the manifest asks for L2-normalised embeddings
        Assert.Equal(1, encoder.Inferences);

        // A second clip within the refresh interval gets the same embedding without another inference.
        Assert.Equal(embedding, scene.Embedding(frame, position + TimeSpan.FromMilliseconds(500)));
        Assert.Equal(1, encoder.Inferences);
    }
}
