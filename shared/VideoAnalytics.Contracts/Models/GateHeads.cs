using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoAnalytics.Contracts.Models;

/// <summary>
/// The file of a <c>heads</c> package (<c>heads.json</c>): logistic heads over the gate's feature vector, each with
/// the thresholds the gate's hysteresis uses (ARCHITECTURE §4.5: <c>score ≥ high</c> certain, <c>low ≤ score &lt; high</c>
/// uncertain). Small, so a branch gets its own heads without resending the encoder.
/// </summary>
public sealed record GateHeads
{
    public const string CurrentSchema = "va.heads.v1";
    public const string FileName = "heads.json";

    public string Schema { get; init; } = CurrentSchema;
    /// <summary>Names of the input features, in order; the gate must produce exactly these.</summary>
    public required IReadOnlyList<string> Features { get; init; }
    public required IReadOnlyList<GateHead> Heads { get; init; }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Schema != CurrentSchema) errors.Add($"schema is '{Schema}', expected '{CurrentSchema}'");
        if (Features is not { Count: > 0 and <= Messages.Limits.MaxEmbeddingLength }) errors.Add("features must list 1-4096 names");
        if (Heads is not { Count: > 0 and <= 64 }) errors.Add("heads must hold 1-64 heads");
        foreach (var h in Heads ?? [])
        {
            if (!Identity.Slug.IsValid(h.Name)) errors.Add($"head name '{h.Name}' is not a valid id");
            if (h.Weights?.Count != Features?.Count) errors.Add($"head '{h.Name}' has {h.Weights?.Count ?? 0} weights for {Features?.Count ?? 0} features");
            if (h.Weights?.Any(w => !double.IsFinite(w)) == true || !double.IsFinite(h.Bias)) errors.Add($"head '{h.Name}' has a non-finite weight or bias");
            if (!(h.Low is >= 0 and <= 1 && h.High is >= 0 and <= 1 && h.Low <= h.High)) errors.Add($"head '{h.Name}' thresholds must satisfy 0 ≤ low ≤ high ≤ 1");
        }
        return errors;
    }

    public static byte[] Serialize(GateHeads heads) => JsonSerializer.SerializeToUtf8Bytes(heads, GateHeadsJsonContext.Default.GateHeads);

    public static bool TryRead(ReadOnlySpan<byte> bytes, out GateHeads heads, out string error)
    {
        heads = null!;
        try
        {
            var parsed = JsonSerializer.Deserialize(bytes, GateHeadsJsonContext.Default.GateHeads);
            if (parsed is null) { error = "heads.json is JSON null"; return false; }
            var errors = parsed.Validate();
            if (errors.Count > 0) { error = "heads.json: " + string.Join("; ", errors.Take(5)); return false; }
            heads = parsed;
            error = "";
            return true;
        }
        catch (JsonException e)
        {
            error = $"heads.json is not valid JSON: {e.Message.Split('.')[0]}";
            return false;
        }
    }
}

/// <summary>One head: <c>score = sigmoid(w·x + b)</c> on standardised features (<c>(x - mean)/std</c>).</summary>
public sealed record GateHead
{
    public required string Name { get; init; }
    public required IReadOnlyList<double> Weights { get; init; }
    public required double Bias { get; init; }
    /// <summary>Per-feature mean and standard deviation used to standardise the input; empty means none.</summary>
    public IReadOnlyList<double> Mean { get; init; } = [];
    public IReadOnlyList<double> Std { get; init; } = [];
    public required double Low { get; init; }
    public required double High { get; init; }

    public double Score(ReadOnlySpan<float> features)
    {
        var z = Bias;
        for (var i = 0; i < Weights.Count; i++)
        {
            var x = (double)features[i];
            if (Mean.Count == Weights.Count) x = (x - Mean[i]) / (Std[i] > 0 ? Std[i] : 1);
            z += Weights[i] * x;
        }
        return 1 / (1 + Math.Exp(-z));
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GateHeads))]
public sealed partial class GateHeadsJsonContext : JsonSerializerContext;
