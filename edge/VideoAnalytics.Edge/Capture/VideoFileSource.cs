using OpenCvSharp;

namespace VideoAnalytics.Edge.Capture;

/// <summary>
/// One video file read with OpenCV's FFmpeg backend. Positions come from the frame index and the file's rate, so a
/// file replays the same way every time. A file that ends well before the frame count in its header is reported as
/// truncated rather than as a normal end.
/// </summary>
public sealed class VideoFileSource : IFrameSource
{
    private readonly VideoCapture _capture;
    private readonly int _declaredFrames;
    private long _framesRead;

    public VideoFileSource(string path)
    {
        if (!File.Exists(path)) throw new FrameSourceException($"video file not found: {path}");
        _capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        if (!_capture.IsOpened())
        {
            _capture.Dispose();
            throw new FrameSourceException($"cannot open video file (corrupt or unsupported): {path}");
        }
        Path = path;
        var fps = _capture.Get(VideoCaptureProperties.Fps);
        Fps = double.IsFinite(fps) && fps is > 0 and < 1000 ? fps : 25;
        _declaredFrames = Math.Max(0, (int)_capture.Get(VideoCaptureProperties.FrameCount));
    }

    public string Path { get; }

    public string Description => $"file {Path}";

    public double Fps { get; }

    public long FramesRead => _framesRead;

    public bool TryRead(Mat frame, out TimeSpan position)
    {
        position = TimeSpan.FromSeconds(_framesRead / Fps);
        if (_capture.Read(frame) && !frame.Empty())
        {
            _framesRead++;
            return true;
        }
        if (_framesRead == 0) throw new FrameSourceException($"video file has no decodable frames (corrupt or truncated): {Path}");
        // A file that stops far short of its header's frame count lost its tail. "Far": some AVI headers count an empty
        // packet after every frame (twice the real count), so only stopping before ~45 % of the count is flagged.
        if (_declaredFrames > 0 && _framesRead < _declaredFrames * 0.45)
            throw new FrameSourceException($"video file ends at frame {_framesRead} of {_declaredFrames} (truncated or corrupt): {Path}");
        return false;
    }

    public void Dispose() => _capture.Dispose();
}
