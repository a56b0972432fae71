using System.Text.Json.Serialization;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Validation;

namespace VideoAnalytics.Contracts.Models;

[JsonConverter(typeof(JsonStringEnumConverter<ModelKind>))]
public enum ModelKind
{
    [JsonStringEnumMemberName("detector")] Detector,
    [JsonStringEnumMemberName("encoder")] Encoder,
    [JsonStringEnumMemberName("heads")] Heads,
    [JsonStringEnumMemberName("pose")] Pose,
}

/// <summary>
/// <c>manifest.json</c> of a model package (ARCHITECTURE §6): what the files are, how to feed the model and how to
/// read its outputs. Code is driven by this, so a new model drops in without code changes.
/// </summary>
public sealed record ModelManifest : IContractMessage
{
    public string Schema { get; init; } = Schemas.ModelManifest;
    public required string Name { get; init; }
    public required ModelKind Kind { get; init; }
    public required string Version { get; init; }
    public DateTimeOffset TimeUtc { get; init; }
    /// <summary>Output layout for detectors (<c>yolox</c>, <c>yolov8</c>), pooling for encoders.</summary>
    public string? Format { get; init; }
    public ModelInput? Input { get; init; }
    public IReadOnlyList<ModelOutput> Outputs { get; init; } = [];
    public IReadOnlyList<string> Labels { get; init; } = [];
    public IReadOnlyDictionary<string, double> Thresholds { get; init; } = new Dictionary<string, double>();
    public int? EmbeddingSize { get; init; }
    public required IReadOnlyList<ModelFile> Files { get; init; }

    public IReadOnlyList<string> Validate(DateTimeOffset now)
    {
        var v = new ValidationReasons().Schema(Schema, Schemas.ModelManifest).Slug(Name, "name")
            .Require(Enum.IsDefined(Kind), "kind is unknown").Text(Version, "version", 64)
            .Require(Version is { Length: > 0 } && Version.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+'), "version has characters other than letters, digits, '.', '-', '+'")
            .Count(Files, "files", 32, min: 1).Count(Labels, "labels", 10_000).Count(Thresholds, "thresholds", 256);
        if (TimeUtc != default) v.Time(TimeUtc, now, "time");
        foreach (var f in Files ?? [])
        {
            v.Require(ClipManifest.IsSafeFileName(f.Path), $"file '{f.Path}' is not a plain file name").Sha256(f.Sha256, $"file '{f.Path}' sha256")
                .Require(f.Bytes > 0, $"file '{f.Path}' has no bytes");
        }
        if (Input is { } i)
        {
            v.Require(i.Width is > 0 and <= 4096 && i.Height is > 0 and <= 4096, "input size is outside 1-4096")
                .Require(i.Layout is "nchw" or "nhwc", "input layout must be nchw or nhwc")
                .Require(i.ColorOrder is "rgb" or "bgr", "input colour order must be rgb or bgr")
                .Require(i.Mean is null or { Length: 3 }, "input mean must have 3 values")
                .Require(i.Std is null or { Length: 3 } && (i.Std?.All(s => s > 0) ?? true), "input std must have 3 positive values");
        }
        return v.Reasons;
    }
}

/// <summary>How to feed a model: size, layout, colour order, scale then mean/std (<c>(x*scale - mean)/std</c>).</summary>
public sealed record ModelInput
{
    public required string Name { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public string Layout { get; init; } = "nchw";
    public string ColorOrder { get; init; } = "rgb";
    public double Scale { get; init; } = 1.0;
    public double[]? Mean { get; init; }
    public double[]? Std { get; init; }
    /// <summary><c>letterbox</c> (keep aspect, pad) or <c>stretch</c>.</summary>
    public string Resize { get; init; } = "stretch";
    public double PadValue { get; init; } = 114;
}

public sealed record ModelOutput(string Name, string Meaning, int[]? Shape);

public sealed record ModelFile(string Path, string Sha256, long Bytes);
