using System.ComponentModel.DataAnnotations;

namespace VideoAnalytics.Edge.Capture;

/// <summary>One camera of <c>Edge:Cameras</c>.</summary>
public sealed class CameraOptions
{
    /// <summary>Camera id, a slug unique on this device.</summary>
    [Required, RegularExpression("^[a-z0-9-]{1,32}$", ErrorMessage = "must be a slug [a-z0-9-]{1,32}")]
    public string Id { get; set; } = "";

    /// <summary><c>rtsp://…</c>, <c>http(s)://…</c>, <c>usb:N</c>, a video file, a folder of videos or a playlist (.m3u/.txt).</summary>
    [Required]
    public string Source { get; set; } = "";

    public const double DefaultAnalysisFps = 5;

    /// <summary>
    /// Frames analysed per second, independent of the camera's rate; 0 analyses every frame. Unset: the rate the gate
    /// was trained at (its motion features are per analysed frame, so another rate shifts them).
    /// </summary>
    [Range(0, 120)]
    public double? AnalysisFps { get; set; }

    /// <summary>
    /// Play files and playlists at their own frame rate, like a camera, dropping frames analysis cannot keep up with
    /// (false: as fast as analysis takes them, every sampled frame analysed: batch runs, evaluation, tests).
    /// </summary>
    public bool Live { get; set; } = true;

    /// <summary>Start files and playlists again at their end (false: the camera ends).</summary>
    public bool Loop { get; set; } = true;

    /// <summary>Frames waiting for analysis; when full the oldest is dropped (live sources).</summary>
    [Range(1, 256)]
    public int QueueCapacity { get; set; } = 4;

    [Range(0.05, 60)]
    public double ReconnectInitialSeconds { get; set; } = 0.5;

    [Range(0.1, 3600)]
    public double ReconnectMaxSeconds { get; set; } = 30;

    [Range(0.5, 120)]
    public double OpenTimeoutSeconds { get; set; } = 10;

    [Range(0.5, 120)]
    public double ReadTimeoutSeconds { get; set; } = 10;

    public bool IsStream => Source.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) || Source.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase)
        || Source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || Source.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    public bool IsUsb => Source.StartsWith("usb:", StringComparison.OrdinalIgnoreCase);

    public bool IsLiveCamera => IsStream || IsUsb;
}
