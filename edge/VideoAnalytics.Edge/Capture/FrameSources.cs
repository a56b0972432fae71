using System.Globalization;

namespace VideoAnalytics.Edge.Capture;

/// <summary>Opens the right <see cref="IFrameSource"/> for a camera's configured source.</summary>
public static class FrameSources
{
    private static readonly string[] PlaylistExtensions = [".m3u", ".m3u8", ".txt"];

    public static IFrameSource Open(CameraOptions camera)
    {
        if (camera.IsStream)
            return StreamSource.OpenUrl(camera.Source, TimeSpan.FromSeconds(camera.OpenTimeoutSeconds), TimeSpan.FromSeconds(camera.ReadTimeoutSeconds));
        if (camera.IsUsb)
        {
            return int.TryParse(camera.Source.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                ? StreamSource.OpenUsb(index, TimeSpan.FromSeconds(camera.OpenTimeoutSeconds))
                : throw new FrameSourceException($"usb source '{camera.Source}' must be usb:N");
        }
        var isPlaylist = Directory.Exists(camera.Source) || PlaylistExtensions.Contains(Path.GetExtension(camera.Source), StringComparer.OrdinalIgnoreCase);
        return new PlaylistSource(isPlaylist ? PlaylistSource.ListFiles(camera.Source) : [camera.Source], camera.Loop);
    }

    /// <summary>The path a file-based source needs, for start-up checks; null for streams and USB.</summary>
    public static string? LocalPath(CameraOptions camera) => camera.IsLiveCamera ? null : camera.Source;
}
