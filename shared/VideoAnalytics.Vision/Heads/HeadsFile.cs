using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoAnalytics.Vision.Heads;

/// <summary>
/// A heads file (<c>heads.json</c>, schema <c>va.heads.v1</c>): small linear heads over one encoder's embeddings.
/// Each head maps the embedding to its outputs (<c>weights</c> [outputs x embeddingSize], <c>bias</c> [outputs]),
/// then applies <c>sigmoid</c> (independent scores) or <c>softmax</c> (one distribution); <c>low</c>/<c>high</c> are
/// the gate's hysteresis thresholds on the head's score.
/// </summary>
public sealed record HeadsFile
{
    public const string SchemaName = "va.heads.v1";

    public string Schema { get; init; } = SchemaName;

    /// <summary>Name of the encoder whose embeddings the heads read (its manifest name).</summary>
    public string? Encoder { get; init; }

    public required int EmbeddingSize { get; init; }

    public required IReadOnlyList<HeadDefinition> Heads { get; init; }
}

public sealed record HeadDefinition
{
    public required string Name { get; init; }

    /// <summary><c>sigmoid</c> or <c>softmax</c>.</summary>
    public required string Activation { get; init; }

    public required IReadOnlyList<string> Labels { get; init; }

    public required float[][] Weights { get; init; }

    public required float[] Bias { get; init; }

    public float Low { get; init; } = 0.5f;

    public float High { get; init; } = 0.8f;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip, WriteIndented = false)]
[JsonSerializable(typeof(HeadsFile))]
internal sealed partial class HeadsJsonContext : JsonSerializerContext;
