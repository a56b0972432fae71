namespace VideoAnalytics.Vision.Onnx;

/// <summary>
/// How ONNX Runtime sessions are created (configuration section <c>Onnx</c>): execution providers in order of
/// preference, thread counts. Providers missing from the native library are skipped with a warning; CPU is always
/// the final fallback.
/// </summary>
public sealed class OnnxRuntimeOptions
{
    public const string SectionName = "Onnx";

    /// <summary>Comma-separated, in order of preference: <c>tensorrt</c>, <c>cuda</c>, <c>cpu</c>.</summary>
    public string ExecutionProviders { get; set; } = "cpu";

    /// <summary>Threads inside one operator; 0 lets ONNX Runtime choose (one per core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Threads across operators; models here are sequential graphs, so 1 is right.</summary>
    public int InterOpThreads { get; set; } = 1;

    /// <summary>
    /// Let idle intra-op threads spin for the next operator. Off by default: on the edge, capture, tracking, the gate
    /// and other cameras run beside every model, and spinning threads take the cores they need.
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>GPU index for CUDA/TensorRT.</summary>
    public int DeviceId { get; set; }

    /// <summary>Checks each model file's SHA-256 against its manifest before loading it.</summary>
    public bool VerifySha256 { get; set; } = true;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var providers = ParseProviders(ExecutionProviders, errors);
        if (providers.Count == 0 && errors.Count == 0) errors.Add($"{SectionName}:ExecutionProviders is empty (use e.g. \"tensorrt,cuda,cpu\")");
        if (IntraOpThreads is < 0 or > 256) errors.Add($"{SectionName}:IntraOpThreads must be 0-256, not {IntraOpThreads}");
        if (InterOpThreads is < 0 or > 256) errors.Add($"{SectionName}:InterOpThreads must be 0-256, not {InterOpThreads}");
        if (DeviceId is < 0 or > 64) errors.Add($"{SectionName}:DeviceId must be 0-64, not {DeviceId}");
        return errors;
    }

    /// <summary>The configured providers, normalised, in order.</summary>
    public IReadOnlyList<ExecutionProvider> Providers()
    {
        var errors = new List<string>();
        var providers = ParseProviders(ExecutionProviders, errors);
        if (errors.Count > 0) throw new ArgumentException(errors[0]);
        return providers;
    }

    private static List<ExecutionProvider> ParseProviders(string? text, List<string> errors)
    {
        var result = new List<ExecutionProvider>();
        foreach (var raw in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            ExecutionProvider? p = raw.ToLowerInvariant() switch
            {
                "tensorrt" or "trt" => ExecutionProvider.TensorRt,
                "cuda" => ExecutionProvider.Cuda,
                "cpu" => ExecutionProvider.Cpu,
                _ => null,
            };
            if (p is null) errors.Add($"{SectionName}:ExecutionProviders has unknown provider '{raw}' (known: tensorrt, cuda, cpu)");
            else if (!result.Contains(p.Value)) result.Add(p.Value);
        }
        return result;
    }
}

public enum ExecutionProvider
{
    TensorRt,
    Cuda,
    Cpu,
}
