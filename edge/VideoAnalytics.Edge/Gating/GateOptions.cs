using System.ComponentModel.DataAnnotations;

namespace VideoAnalytics.Edge.Gating;

/// <summary><c>Edge:Gate</c>: the gate's heads file and its per-camera policy.</summary>
public sealed class GateOptions
{
    /// <summary>The heads file written by <c>va-edge train-gate</c> (weights, thresholds, window).</summary>
    [Required]
    public string Heads { get; set; } = "";

    /// <summary>Overrides the heads file's window length (seconds); null keeps it.</summary>
    [Range(0.5, 60)]
    public double? WindowSeconds { get; set; }

    [Range(0.1, 60)]
    public double? StrideSeconds { get; set; }

    /// <summary>After a raise, further raises of the camera are held back this long.</summary>
    [Range(0, 86400)]
    public double CooldownSeconds { get; set; } = 30;

    [Range(0, 10000)]
    public int MaxUploadsPerHour { get; set; } = 20;

    [Range(0, 30)]
    public double PreRollSeconds { get; set; } = 3;

    [Range(0, 30)]
    public double PostRollSeconds { get; set; } = 3;

    /// <summary>Keyframes per second written into a clip.</summary>
    [Range(0.1, 10)]
    public double KeyframeFps { get; set; } = 2;

    /// <summary>Also encode a short H.264 MP4 into the clip when ffmpeg is on PATH.</summary>
    public bool ClipVideo { get; set; } = true;

    /// <summary>Longest side of keyframes and clip video, in pixels (frames are scaled down, never up).</summary>
    [Range(160, 4096)]
    public int ClipMaxSide { get; set; } = 960;
}
