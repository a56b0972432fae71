using OpenCvSharp;

namespace VideoAnalytics.Edge.Capture;

/// <summary>A camera, file, playlist or stream that yields decoded BGR frames with their capture time.</summary>
public interface IFrameSource : IDisposable
{
    string Description { get; }

    /// <summary>Frames per second the source delivers (the file's rate, or what the camera reports; 0 when unknown).</summary>
    double Fps { get; }

    /// <summary>Reads the next frame into <paramref name="frame"/> (reused by the caller). False at end of input.</summary>
    bool TryRead(Mat frame, out TimeSpan position);
}

/// <summary>A source that cannot be opened or read: bad path, corrupt or truncated file, dead stream.</summary>
public sealed class FrameSourceException(string message) : Exception(message);
