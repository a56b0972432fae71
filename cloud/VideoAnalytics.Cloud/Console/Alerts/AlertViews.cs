using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Console.Alerts;

/// <summary>Everything the alert page shows: the alert, its evidence (judge reasons and backends), audit trail and clips.</summary>
public sealed record AlertDetail(Alert Alert, IReadOnlyList<EvidenceView> Evidence, IReadOnlyList<AuditView> Audit, IReadOnlyList<ClipView> Clips);

public sealed record EvidenceView(
    string EvidenceId, string Kind, string? ClipId, string? Verdict, double? Confidence, double? Score, string Reason, string? Backend, DateTimeOffset TimeUtc);

public sealed record AuditView(string Actor, string Action, string? FromState, string? ToState, string? Note, DateTimeOffset TimeUtc);

/// <summary>A clip of an alert as the keyframe player needs it. <see cref="Stored"/> is false until the clip is assembled.</summary>
public sealed record ClipView(
    string ClipId, string Camera, DateTimeOffset StartUtc, DateTimeOffset EndUtc, double Score, int FrameWidth, int FrameHeight,
    bool Stored, IReadOnlyList<ClipFileView> Files, IReadOnlyList<Keyframe> Keyframes);

public sealed record ClipFileView(string Name, string ContentType, long Length);

/// <summary>Body of an acknowledge/confirm/dismiss call.</summary>
public sealed record AlertActionRequest(string? Note);
