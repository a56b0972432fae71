using System.Text.Json;
using System.Text.Json.Serialization;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Vision.Gating;

/// <summary>
/// A logistic gate for one rule, as stored in its heads file (JSON written by <c>va-edge train-gate</c>):
/// standardised features → weights → sigmoid → score, and the thresholds that turn a score into a decision.
/// </summary>
public sealed record GateModel
{
    public const string SchemaName = "va.gate.v1";

    public string Schema { get; init; } = SchemaName;
    public required string Rule { get; init; }
    public required string Version { get; init; }
    public required IReadOnlyList<string> FeatureNames { get; init; }
    public required float[] Mean { get; init; }
    public required float[] Std { get; init; }
    public required float[] Weights { get; init; }
    public required float Bias { get; init; }
    /// <summary>Scores at or above this are uncertain (the clip goes to the cloud).</summary>
    public required double Low { get; init; }
    /// <summary>Scores at or above this are certain.</summary>
    public required double High { get; init; }
    public required double WindowSeconds { get; init; }
    public required double StrideSeconds { get; init; }
    public required double AnalysisFps { get; init; }
    /// <summary>Width of the grey frame the optical flow ran on; files written before it existed used 160.</summary>
    public int FlowWidth { get; init; } = GateWindowSettings.LegacyFlowWidth;
    public IReadOnlyList<string> HeadNames { get; init; } = [];
    /// <summary>How the model was produced (data, trainer, regularisation, date).</summary>
    public IReadOnlyDictionary<string, string> Provenance { get; init; } = new Dictionary<string, string>();
    /// <summary>Grouped cross-validation figures of the thresholds above.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>The probability-like score of one feature vector (in <see cref="FeatureNames"/> order).</summary>
    public double Score(ReadOnlySpan<float> features)
    {
        if (features.Length != Weights.Length) throw new ArgumentException($"gate '{Rule}' takes {Weights.Length} features, got {features.Length}");
        double z = Bias;
        for (var i = 0; i < Weights.Length; i++)
        {
            var x = float.IsFinite(features[i]) ? features[i] : Mean[i];
            z += Weights[i] * (x - Mean[i]) / Std[i];
        }
        return 1 / (1 + Math.Exp(-Math.Clamp(z, -60, 60)));
    }

    /// <summary>The windows and flow this gate was trained on; the agent may override window and stride.</summary>
    public GateWindowSettings Window(double? windowSeconds = null, double? strideSeconds = null) =>
        new(windowSeconds ?? WindowSeconds, strideSeconds ?? StrideSeconds, FlowWidth: FlowWidth);

    /// <summary>
    /// Throws when <paramref name="computed"/> (the features computed where the gate runs) are not the ones it was
    /// trained on, naming the pose stage when that is the difference; with <paramref name="flowWidth"/>, also when the
    /// optical flow there runs at another width (it shifts the motion features the weights were fitted on).
    /// </summary>
    public void RequireFeatures(IReadOnlyList<string> computed, string source, int? flowWidth = null)
    {
        if (flowWidth is { } width && width != FlowWidth)
            throw new InvalidDataException($"gate '{source}' was trained on optical flow {FlowWidth} px wide, computed here: {width} px");
        if (FeatureNames.SequenceEqual(computed)) return;
        var poseDiffers = FeatureNames.Any(GateFeatures.Pose.Contains) != computed.Any(GateFeatures.Pose.Contains);
        throw new InvalidDataException($"gate '{source}' expects features [{string.Join(",", FeatureNames)}], computed here: [{string.Join(",", computed)}]"
            + (poseDiffers ? " (train the gate with the same Edge:Pose setting: va-edge train-gate --config)" : ""));
    }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Schema != SchemaName) errors.Add($"schema is '{Schema}', expected '{SchemaName}'");
        if (string.IsNullOrWhiteSpace(Rule)) errors.Add("rule is empty");
        var n = FeatureNames?.Count ?? 0;
        if (n == 0) errors.Add("featureNames is empty");
        if (Mean?.Length != n || Std?.Length != n || Weights?.Length != n) errors.Add($"mean/std/weights must each have {n} values (one per feature)");
        else
        {
            if (!Mean.All(float.IsFinite) || !Weights.All(float.IsFinite)) errors.Add("mean or weights hold non-finite values");
            if (!Std.All(s => float.IsFinite(s) && s > 0)) errors.Add("std values must be finite and positive");
        }
        if (!float.IsFinite(Bias)) errors.Add("bias is not finite");
        if (!(Low is >= 0 and <= 1) || !(High is >= 0 and <= 1) || Low > High) errors.Add($"need 0 <= low ({Low}) <= high ({High}) <= 1");
        errors.AddRange(Window().Validate());
        if (!(AnalysisFps > 0)) errors.Add($"analysisFps {AnalysisFps} must be positive");
        if (FeatureNames is not null)
        {
            var known = new HashSet<string>(GateFeatures.Core.Concat(GateFeatures.Pose).Concat((HeadNames ?? []).Select(GateFeatures.Head)));
            foreach (var name in FeatureNames.Where(f => !known.Contains(f))) errors.Add($"feature '{name}' is unknown");
        }
        return errors;
    }

    public string ToJson() => JsonSerializer.Serialize(this, GateJsonContext.Default.GateModel);

    /// <summary>
    /// Reads and validates a gate file (<c>va.gate.v1</c>; also the <c>heads.json</c> of a heads model package). Any
    /// problem is one <see cref="InvalidDataException"/> line naming the file.
    /// </summary>
    public static GateModel Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"gate heads file '{full}' does not exist", full);
        var bytes = File.ReadAllBytes(full);
        GateModel? model;
        try
        {
            model = JsonSerializer.Deserialize(bytes, GateJsonContext.Default.GateModel);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"gate heads file '{full}' is not valid JSON: {e.Message}");
        }
        if (model is null) throw new InvalidDataException($"gate heads file '{full}' is empty");
        // Files written before flowWidth existed leave it out (0 after reading): their flow ran 160 px wide.
        if (model.FlowWidth == 0) model = model with { FlowWidth = GateWindowSettings.LegacyFlowWidth };
        return Checked(model, full);
    }

    private static GateModel Checked(GateModel model, string path)
    {
        var errors = model.Validate();
        if (errors.Count > 0) throw new InvalidDataException($"gate heads file '{path}' is invalid: {string.Join("; ", errors)}");
        return model;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(GateModel))]
[JsonSerializable(typeof(GateTrainingReport))]
[JsonSerializable(typeof(VideoFeatures))]
[JsonSerializable(typeof(FeatureCache.Entry))]
internal sealed partial class GateJsonContext : JsonSerializerContext;
