using OpenCvSharp;

namespace VideoAnalytics.Vision.Imaging;

/// <summary>The one check every frame-consuming entry point makes before touching pixels.</summary>
public static class FrameGuard
{
    public static void RequireBgr(Mat frame, string paramName)
    {
        ArgumentNullException.ThrowIfNull(frame, paramName);
        if (frame.Empty() || frame.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"frame must be a non-empty CV_8UC3 BGR image, got {frame.Type()} {frame.Cols}x{frame.Rows}", paramName);
        }
    }
}
