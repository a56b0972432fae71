using OpenCvSharp;
using VideoAnalytics.Vision.Encoding;
using VideoAnalytics.Vision.Heads;

namespace VideoAnalytics.Edge.Perception;

/// <summary>
/// The whole-frame embedding of a camera and the scene heads on it (e.g. a <c>fight</c> head), refreshed at most every
/// <c>every</c> of video time: the gate reads the head scores as features, clips carry the embedding.
/// </summary>
public sealed class SceneObserver(ImageEncoder encoder, HeadSet? heads, TimeSpan every)
{
    private readonly float[] _embedding = new float[encoder.EmbeddingSize];
    private readonly float[] _scores = new float[heads?.OutputCount ?? 0];
    private readonly Dictionary<string, float> _named = [];
    private TimeSpan? _last;

    /// <summary>Scene head scores by name (empty until the first update, or without heads).</summary>
    public IReadOnlyDictionary<string, float> Heads => _named;

    /// <summary>A copy of the latest frame embedding, or null before the first update.</summary>
    public float[]? Embedding() => _last is null ? null : (float[])_embedding.Clone();

    public void Update(Mat bgr, TimeSpan position)
    {
        if (_last is { } last && position - last < every) return;
        _last = position;
        encoder.EncodeFrame(bgr, _embedding);
        if (heads is null) return;
        heads.Apply(_embedding, _scores);
        HeadScores.Name(heads, _scores, _named);
    }
}

/// <summary>How head outputs are named in records and gate features: the head's name, or name.label for multi-output heads.</summary>
public static class HeadScores
{
    public static void Name(HeadSet heads, ReadOnlySpan<float> scores, Dictionary<string, float> named)
    {
        foreach (var h in heads.Heads)
        {
            for (var i = 0; i < h.Count; i++) named[h.Count == 1 ? h.Name : $"{h.Name}.{h.Labels[i]}"] = scores[h.Offset + i];
        }
    }
}
