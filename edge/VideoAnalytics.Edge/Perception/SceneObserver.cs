using OpenCvSharp;
using VideoAnalytics.Vision.Encoding;
using VideoAnalytics.Vision.Heads;

namespace VideoAnalytics.Edge.Perception;

/// <summary>
/// The whole-frame embedding of a camera and the scene heads on it (e.g. a <c>fight</c> head), refreshed at most every
/// <c>every</c> of video time: the gate reads the head scores as features, clips carry the embedding. Without scene heads
/// nothing reads it between clips, so it is only computed when a clip asks for it.
/// </summary>
public sealed class SceneObserver(ImageEncoder encoder, HeadSet? heads, TimeSpan every)
{
    private readonly float[] _embedding = new float[encoder.EmbeddingSize];
    private readonly float[] _scores = new float[heads?.OutputCount ?? 0];
    private readonly Dictionary<string, float> _named = [];
    private TimeSpan? _last;

    /// <summary>Scene head scores by name (empty until the first update, or without heads).</summary>
    public IReadOnlyDictionary<string, float> Heads => _named;

    /// <summary>A copy of the frame embedding at <paramref name="position"/>, encoded from <paramref name="bgr"/> unless a fresh one exists.</summary>
    public float[] Embedding(Mat bgr, TimeSpan position)
    {
        Refresh(bgr, position);
        return (float[])_embedding.Clone();
    }

    /// <summary>Called on every analysed frame: keeps the scene head scores current.</summary>
    public void Update(Mat bgr, TimeSpan position)
    {
        if (heads is not null) Refresh(bgr, position);
    }

    private void Refresh(Mat bgr, TimeSpan position)
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
