using System.ComponentModel.DataAnnotations;

namespace VideoAnalytics.Edge.Perception;

/// <summary><c>Edge:Tracks</c>: how track records are batched.</summary>
public sealed class TrackOptions
{
    /// <summary>A batch is sent at most this often (sooner when it is large).</summary>
    [Range(0.1, 3600)]
    public double BatchSeconds { get; set; } = 5;

    /// <summary>A long-lived track is also summarised this often while it lives.</summary>
    [Range(1, 86400)]
    public double RecordEverySeconds { get; set; } = 30;

    /// <summary>Tracks shorter than this are not recorded (flicker).</summary>
    [Range(0, 60)]
    public double MinTrackSeconds { get; set; } = 0.5;
}
