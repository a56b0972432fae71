using System.Numerics.Tensors;
using System.Text.Json;

namespace VideoAnalytics.Vision.Heads;

/// <summary>Activation applied to a head's logits.</summary>
public enum HeadActivation
{
    Sigmoid,
    Softmax,
}

/// <summary>Where a head's score falls against its thresholds: the gate's hysteresis bands.</summary>
public enum HeadLevel
{
    /// <summary>Below <c>low</c>: nothing to report.</summary>
    Clear,

    /// <summary><c>low</c> ≤ score &lt; <c>high</c>: not sure; the edge sends a clip for the cloud to judge.</summary>
    Uncertain,

    /// <summary>At or above <c>high</c>: the edge is sure.</summary>
    Certain,
}

/// <summary>One loaded head: its slice of <see cref="HeadSet"/>'s score vector and its thresholds.</summary>
public sealed class Head
{
    internal Head(HeadDefinition definition, int offset, float[] weights)
    {
        Name = definition.Name;
        Activation = definition.Activation == "softmax" ? HeadActivation.Softmax : HeadActivation.Sigmoid;
        Labels = definition.Labels;
        Low = definition.Low;
        High = definition.High;
        Offset = offset;
        Weights = weights;
        Bias = definition.Bias;
    }

    public string Name { get; }
    public HeadActivation Activation { get; }
    public IReadOnlyList<string> Labels { get; }
    public float Low { get; }
    public float High { get; }

    /// <summary>Index of this head's first output in the score vector.</summary>
    public int Offset { get; }

    public int Count => Labels.Count;

    internal float[] Weights { get; }
    internal float[] Bias { get; }

    public HeadLevel Classify(float score) => score >= High ? HeadLevel.Certain : score >= Low ? HeadLevel.Uncertain : HeadLevel.Clear;
}

/// <summary>
/// Heads from a heads file applied to embeddings: <c>scores = activation(W · e + b)</c> per head, written into one
/// caller-owned score vector (head k's outputs at <see cref="Head.Offset"/>). Allocation-free per call; thread-safe.
/// </summary>
public sealed class HeadSet
{
    private const int MaxFileBytes = 64 << 20;

    private HeadSet(string source, int embeddingSize, List<Head> heads)
    {
        Source = source;
        EmbeddingSize = embeddingSize;
        Heads = heads;
        foreach (var h in heads) OutputCount += h.Count;
    }

    /// <summary>Where the heads came from (file path), for messages.</summary>
    public string Source { get; }

    public int EmbeddingSize { get; }

    public IReadOnlyList<Head> Heads { get; }

    /// <summary>Length of the score vector: all heads' outputs.</summary>
    public int OutputCount { get; }

    /// <summary>Loads and validates a heads file for an encoder producing <paramref name="embeddingSize"/>-d embeddings.</summary>
    public static HeadSet Load(string path, int embeddingSize, string? encoderName = null)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new HeadsFileException($"heads file '{full}' does not exist");
        var length = new FileInfo(full).Length;
        if (length > MaxFileBytes) throw new HeadsFileException($"heads file '{full}' is {length} bytes, over {MaxFileBytes}");
        return Parse(File.ReadAllBytes(full), embeddingSize, full, encoderName);
    }

    /// <summary>Parses and validates heads JSON; <paramref name="source"/> names it in errors.</summary>
    public static HeadSet Parse(ReadOnlySpan<byte> json, int embeddingSize, string source, string? encoderName = null)
    {
        HeadsFile? file;
        try
        {
            file = JsonSerializer.Deserialize(json, HeadsJsonContext.Default.HeadsFile);
        }
        catch (JsonException e)
        {
            throw new HeadsFileException($"heads file '{source}' is not valid JSON: {e.Message}", e);
        }
        if (file is null) throw new HeadsFileException($"heads file '{source}' is JSON null");
        return FromFile(file, embeddingSize, source, encoderName);
    }

    /// <summary>Validates an in-memory heads file (e.g. one just trained).</summary>
    public static HeadSet FromFile(HeadsFile file, int embeddingSize, string source, string? encoderName = null)
    {
        var where = $"heads file '{source}'";
        if (file.Schema != HeadsFile.SchemaName) throw new HeadsFileException($"{where} has schema '{file.Schema}', expected {HeadsFile.SchemaName}");
        if (file.EmbeddingSize != embeddingSize)
        {
            throw new HeadsFileException($"{where} is for {file.EmbeddingSize}-d embeddings but encoder '{encoderName ?? "?"}' produces {embeddingSize}-d");
        }
        if (encoderName is not null && file.Encoder is { Length: > 0 } e && e != encoderName)
        {
            throw new HeadsFileException($"{where} was made for encoder '{e}', not '{encoderName}'");
        }
        if (file.Heads is not { Count: > 0 and <= 256 }) throw new HeadsFileException($"{where} must have 1-256 heads");
        var heads = new List<Head>(file.Heads.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var offset = 0;
        foreach (var d in file.Heads)
        {
            var head = $"{where} head '{d.Name}'";
            if (string.IsNullOrWhiteSpace(d.Name) || !names.Add(d.Name)) throw new HeadsFileException($"{where} has a head with an empty or repeated name '{d.Name}'");
            if (d.Activation is not ("sigmoid" or "softmax")) throw new HeadsFileException($"{head} has activation '{d.Activation}', expected sigmoid or softmax");
            var outputs = d.Labels?.Count ?? 0;
            if (outputs is < 1 or > 4096) throw new HeadsFileException($"{head} must have 1-4096 labels");
            if (d.Activation == "softmax" && outputs < 2) throw new HeadsFileException($"{head} is softmax with a single label");
            if (d.Weights is null || d.Weights.Length != outputs) throw new HeadsFileException($"{head} has {d.Weights?.Length ?? 0} weight rows for {outputs} labels");
            if (d.Bias is null || d.Bias.Length != outputs) throw new HeadsFileException($"{head} has {d.Bias?.Length ?? 0} biases for {outputs} labels");
            var flat = new float[outputs * embeddingSize];
            for (var r = 0; r < outputs; r++)
            {
                var row = d.Weights[r];
                if (row is null || row.Length != embeddingSize) throw new HeadsFileException($"{head} weight row {r} has {row?.Length ?? 0} values, embeddings have {embeddingSize}");
                row.CopyTo(flat, r * embeddingSize);
            }
            if (!AllFinite(flat) || !AllFinite(d.Bias)) throw new HeadsFileException($"{head} has NaN or infinite weights");
            if (!(d.Low >= 0 && d.Low <= d.High && d.High <= 1)) throw new HeadsFileException($"{head} needs 0 <= low ({d.Low}) <= high ({d.High}) <= 1");
            heads.Add(new Head(d, offset, flat));
            offset += outputs;
        }
        return new HeadSet(source, embeddingSize, heads);
    }

    /// <summary>Writes every head's scores for <paramref name="embedding"/> into <paramref name="scores"/> (length <see cref="OutputCount"/>).</summary>
    public void Apply(ReadOnlySpan<float> embedding, Span<float> scores)
    {
        if (embedding.Length != EmbeddingSize) throw new ArgumentException($"embedding has {embedding.Length} values, heads expect {EmbeddingSize}", nameof(embedding));
        if (scores.Length < OutputCount) throw new ArgumentException($"scores holds {scores.Length} values, heads produce {OutputCount}", nameof(scores));
        foreach (var head in Heads)
        {
            var output = scores.Slice(head.Offset, head.Count);
            for (var r = 0; r < head.Count; r++)
            {
                output[r] = TensorPrimitives.Dot(head.Weights.AsSpan(r * EmbeddingSize, EmbeddingSize), embedding) + head.Bias[r];
            }
            if (head.Activation == HeadActivation.Sigmoid) TensorPrimitives.Sigmoid(output, output);
            else TensorPrimitives.SoftMax(output, output);
        }
    }

    /// <summary>The head named <paramref name="name"/>, or null.</summary>
    public Head? Find(string name)
    {
        foreach (var h in Heads) if (h.Name == name) return h;
        return null;
    }

    /// <summary>Serialises a heads file (e.g. after training) in the format <see cref="Load"/> reads.</summary>
    public static byte[] Serialize(HeadsFile file) => JsonSerializer.SerializeToUtf8Bytes(file, HeadsJsonContext.Default.HeadsFile);

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var v in values) if (!float.IsFinite(v)) return false;
        return true;
    }
}

/// <summary>A heads file that cannot be used with the running encoder.</summary>
public sealed class HeadsFileException(string message, Exception? inner = null) : Exception(message, inner);
