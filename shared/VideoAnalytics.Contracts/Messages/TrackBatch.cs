using VideoAnalytics.Contracts.Validation;

namespace VideoAnalytics.Contracts.Messages;

/// <summary>Structured track records of one camera, batched; <see cref="Sequence"/> increases per camera.</summary>
public sealed record TrackBatch : ICameraMessage
{
    public string Schema { get; init; } = Schemas.TrackBatch;
    public required string MessageId { get; init; }
    public required long Sequence { get; init; }
    public required string Branch { get; init; }
    public required string Site { get; init; }
    public required string Device { get; init; }
    public required string Camera { get; init; }
    public required DateTimeOffset TimeUtc { get; init; }
    public required IReadOnlyList<TrackRecord> Records { get; init; }

    public IReadOnlyList<string> Validate(DateTimeOffset now)
    {
        var v = new ValidationReasons().Schema(Schema, Schemas.TrackBatch).Id(MessageId, "messageId")
            .Require(Sequence >= 0, "sequence is negative")
            .Slug(Branch, "branch").Slug(Site, "site").Slug(Device, "device").Slug(Camera, "camera")
            .Time(TimeUtc, now, "time").Count(Records, "records", Limits.MaxTrackRecordsPerBatch);
        foreach (var r in Records ?? []) r.AddReasons(v, now);
        return v.Reasons;
    }
}

/// <summary>One track, summarised when it ends (or periodically while it lives).</summary>
public sealed record TrackRecord
{
    public required long TrackId { get; init; }
    public required string ClassName { get; init; }
    public required DateTimeOffset FirstSeenUtc { get; init; }
    public required DateTimeOffset LastSeenUtc { get; init; }
    /// <summary>Downsampled trajectory: box centre and size, normalised to 0..1 of the frame.</summary>
    public IReadOnlyList<TrajectoryPoint> Trajectory { get; init; } = [];
    public float MaxScore { get; init; }
    public float MeanScore { get; init; }
    public string? UpperColour { get; init; }
    public string? LowerColour { get; init; }
    public IReadOnlyDictionary<string, float> Heads { get; init; } = new Dictionary<string, float>();
    public string? BestCropJpegBase64 { get; init; }
    public float[]? Embedding { get; init; }
    public bool Ended { get; init; }

    internal void AddReasons(ValidationReasons v, DateTimeOffset now)
    {
        v.Require(TrackId >= 0, "trackId is negative").Text(ClassName, "className", 64)
            .Time(FirstSeenUtc, now, "firstSeen").Time(LastSeenUtc, now, "lastSeen")
            .Require(LastSeenUtc >= FirstSeenUtc, $"track {TrackId} ends before it starts")
            .Count(Trajectory, "trajectory", Limits.MaxTrajectoryPoints)
            .Finite(MaxScore, "maxScore", 0, 1).Finite(MeanScore, "meanScore", 0, 1)
            .Count(Heads, "heads", Limits.MaxFeatures)
            .Text(BestCropJpegBase64, "bestCrop", Limits.MaxCropJpegBase64, required: false)
            .Require((Embedding?.Length ?? 0) <= Limits.MaxEmbeddingLength, "embedding too long")
            .Require(Embedding?.All(float.IsFinite) ?? true, "embedding has non-finite values");
        foreach (var p in Trajectory) v.Require(p.IsFinite, $"track {TrackId} has a non-finite trajectory point");
    }
}

public sealed record TrajectoryPoint(int OffsetMs, float X, float Y, float W, float H)
{
    internal bool IsFinite => float.IsFinite(X) && float.IsFinite(Y) && float.IsFinite(W) && float.IsFinite(H) && OffsetMs >= 0;
}
