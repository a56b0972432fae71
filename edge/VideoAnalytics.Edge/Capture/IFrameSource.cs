using OpenCvSharp;

namespace VideoAnalytics.Edge.Capture;

/// <summary>A camera, file, playlist or stream that yields decoded BGR frames with their capture time.</summary>
public interface IFrameSource : IDisposable
{
    string Description { get; }

    /// <summary>Reads the next frame into <paramref name="frame"/> (reused by the caller). False at end of input.</summary>
    bool TryRead(Mat frame, out TimeSpan position);
}
