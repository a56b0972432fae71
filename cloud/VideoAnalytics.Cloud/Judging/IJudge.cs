using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Judging;

/// <summary>A semantic judge of one clip for one rule (e.g. "is this a fight?").</summary>
public interface IJudge
{
    /// <summary>Name of the backend, put on every judgment so no one mistakes one for another.</summary>
    string Backend { get; }

    Task<JudgeResult> JudgeAsync(JudgeRequest request, CancellationToken ct);
}

/// <summary>The clip to judge: its manifest and its keyframes (JPEG bytes, in time order).</summary>
public sealed record JudgeRequest(ClipManifest Manifest, IReadOnlyList<ReadOnlyMemory<byte>> KeyframesJpeg, string Question);

public sealed record JudgeResult(Verdict Verdict, double Confidence, string Reason, string Backend, TimeSpan Duration);
