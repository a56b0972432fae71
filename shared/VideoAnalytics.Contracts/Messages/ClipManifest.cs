using VideoAnalytics.Contracts.Validation;

namespace VideoAnalytics.Contracts.Messages;

/// <summary>
/// Describes one clip. The clip travels as one blob (its files concatenated in <see cref="Files"/> order) split into
/// chunks of at most <see cref="Limits.MaxChunkBytes"/>; <see cref="Sha256"/> covers the whole blob.
/// </summary>
public sealed record ClipManifest : ICameraMessage
{
    public string Schema { get; init; } = Schemas.ClipManifest;
    public required string ClipId { get; init; }
    public required string Branch { get; init; }
    public required string Site { get; init; }
    public required string Device { get; init; }
    public required string Camera { get; init; }
    public required DateTimeOffset TimeUtc { get; init; }
    public required DateTimeOffset StartUtc { get; init; }
    public required DateTimeOffset EndUtc { get; init; }
    public required string Rule { get; init; }
    public required GateDecision Decision { get; init; }
    public required double Score { get; init; }
    public int FrameWidth { get; init; }
    public int FrameHeight { get; init; }
    public required IReadOnlyList<ClipFile> Files { get; init; }
    public IReadOnlyList<Keyframe> Keyframes { get; init; } = [];
    public IReadOnlyDictionary<string, float> Features { get; init; } = new Dictionary<string, float>();
    public float[]? SceneEmbedding { get; init; }
    public required long TotalBytes { get; init; }
    public required string Sha256 { get; init; }
    public required int ChunkCount { get; init; }
    public required int ChunkSize { get; init; }

    public IReadOnlyList<string> Validate(DateTimeOffset now)
    {
        var v = new ValidationReasons().Schema(Schema, Schemas.ClipManifest).Id(ClipId, "clipId")
            .Slug(Branch, "branch").Slug(Site, "site").Slug(Device, "device").Slug(Camera, "camera")
            .Time(TimeUtc, now, "time").Time(StartUtc, now, "start").Time(EndUtc, now, "end")
            .Require(EndUtc >= StartUtc, "clip ends before it starts")
            .Slug(Rule, "rule").Finite(Score, "score", 0, 1)
            .Count(Files, "files", Limits.MaxFilesPerClip, min: 1)
            .Count(Keyframes, "keyframes", Limits.MaxFilesPerClip)
            .Count(Features, "features", Limits.MaxFeatures)
            .Require(TotalBytes is > 0 and <= Limits.MaxClipBytes, $"totalBytes {TotalBytes} is outside 1-{Limits.MaxClipBytes}")
            .Sha256(Sha256, "sha256")
            .Require(ChunkSize is > 0 and <= Limits.MaxChunkBytes, $"chunkSize {ChunkSize} is outside 1-{Limits.MaxChunkBytes}")
            .Require((SceneEmbedding?.Length ?? 0) <= Limits.MaxEmbeddingLength, "sceneEmbedding too long");
        if (ChunkSize > 0 && TotalBytes > 0)
            v.Require(ChunkCount == (int)((TotalBytes + ChunkSize - 1) / ChunkSize), "chunkCount does not match totalBytes/chunkSize");

        long expectedOffset = 0;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in Files ?? [])
        {
            v.Require(IsSafeFileName(f.Name), $"file name '{f.Name}' is not a plain file name")
                .Require(names.Add(f.Name ?? ""), $"file '{f.Name}' appears twice")
                .Require(f.Offset == expectedOffset, $"file '{f.Name}' does not follow the previous file")
                .Require(f.Length > 0, $"file '{f.Name}' is empty")
                .Sha256(f.Sha256, $"file '{f.Name}' sha256")
                .Text(f.ContentType, "contentType", 64);
            expectedOffset += f.Length;
        }
        v.Require(expectedOffset == TotalBytes, "files do not add up to totalBytes");
        foreach (var k in Keyframes ?? [])
        {
            v.Require(names.Contains(k.File), $"keyframe file '{k.File}' is not in files").Require(k.OffsetMs >= 0, "keyframe offset is negative")
                .Count(k.Boxes, "keyframe boxes", 256);
        }
        return v.Reasons;
    }

    /// <summary>A name with no path: the cloud writes files under it.</summary>
    public static bool IsSafeFileName(string? name) =>
        name is { Length: > 0 and <= 100 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && !name.StartsWith('.');
}

public sealed record ClipFile(string Name, string ContentType, long Offset, long Length, string Sha256);

/// <summary>A keyframe of a clip, with what the edge saw in it (boxes normalised to 0..1).</summary>
public sealed record Keyframe(string File, int OffsetMs, IReadOnlyList<BoxAnnotation> Boxes);

public sealed record BoxAnnotation(long TrackId, string ClassName, float Score, float X, float Y, float W, float H);
