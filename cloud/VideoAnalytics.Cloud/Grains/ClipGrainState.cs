using System.Text.Json.Serialization;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Grains;

[JsonConverter(typeof(JsonStringEnumConverter<ClipStatus>))]
public enum ClipStatus
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("judged")] Judged,
}

/// <summary>What <see cref="ClipGrain"/> persists (grain state <c>clip</c>; <see cref="PendingClipSweeper"/> queries its JSON).</summary>
public sealed class ClipGrainState
{
    public ClipStatus Status { get; set; }
    public ClipManifest? Manifest { get; set; }
    public DateTimeOffset ReceivedUtc { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }

    /// <summary>While pending: when a sweeper may take the clip over (lease while judging, backoff after a failure).</summary>
    public DateTimeOffset? NextAttemptUtc { get; set; }

    public Judgment? Judgment { get; set; }
}
