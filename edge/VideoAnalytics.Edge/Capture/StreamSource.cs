using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;

namespace VideoAnalytics.Edge.Capture;

/// <summary>
/// A live camera (RTSP/HTTP stream or USB device) decoded by the system's <c>ffmpeg</c> into raw BGR frames on a pipe.
/// OpenCvSharp's bundled FFmpeg has no network protocols, and a separate decoder process is also what keeps a wedged
/// stream from hanging the agent: ffmpeg's I/O timeout ends the process, the read sees end-of-stream and the worker
/// reconnects. Positions are wall-clock time since the stream was opened.
/// </summary>
public sealed class StreamSource : IFrameSource
{
    private readonly Process _process;
    private readonly Stream _pixels;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly int _width;
    private readonly int _height;

    private StreamSource(Process process, string description, int width, int height, double fps)
    {
        _process = process;
        _pixels = process.StandardOutput.BaseStream;
        Description = description;
        _width = width;
        _height = height;
        Fps = fps;
    }

    public string Description { get; }

    public double Fps { get; }

    public static StreamSource OpenUrl(string url, TimeSpan openTimeout, TimeSpan readTimeout)
    {
        var micros = ((long)readTimeout.TotalMicroseconds).ToString(CultureInfo.InvariantCulture);
        // A short probe: live streams arrive in real time, and FFmpeg's default 5 s analysis would eat the open timeout.
        List<string> input = ["-analyzeduration", "1000000", "-probesize", "1000000"];
        input.AddRange(url.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase)
            ? ["-rtsp_transport", "tcp", "-timeout", micros, "-i", url]
            : ["-rw_timeout", micros, "-i", url]);
        return Open(input, $"stream {Redact(url)}", openTimeout);
    }

    public static StreamSource OpenUsb(int index, TimeSpan openTimeout) =>
        Open(["-f", "v4l2", "-i", $"/dev/video{index}"], $"usb camera {index}", openTimeout);

    public unsafe bool TryRead(Mat frame, out TimeSpan position)
    {
        frame.Create(_height, _width, MatType.CV_8UC3);
        var length = _width * _height * 3;
        var pixels = new Span<byte>((void*)frame.Data, length);
        position = _clock.Elapsed;
        try
        {
            _pixels.ReadExactly(pixels);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return false;
        }
        position = _clock.Elapsed;
        return true;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(2000);
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }

    /// <summary>Camera URLs often carry a password; logs and health messages must not.</summary>
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && u.UserInfo.Length > 0 ? url.Replace(u.UserInfo + "@", "***@", StringComparison.Ordinal) : url;

    private static StreamSource Open(IReadOnlyList<string> input, string description, TimeSpan openTimeout)
    {
        // One connection only (some cameras and servers accept a single client): the frame size and rate come from
        // ffmpeg's own description of the raw output stream on stderr.
        var psi = StartInfo("ffmpeg", ["-hide_banner", "-loglevel", "info", "-nostdin", .. input, "-an", "-sn", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"]);
        var format = new TaskCompletionSource<(int, int, double)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sawOutput = false;
        var process = Start(psi, description, line =>
        {
            if (line.StartsWith("Output #0", StringComparison.Ordinal)) sawOutput = true;
            else if (sawOutput && OutputFormat.Match(line) is { Success: true } m)
            {
                format.TrySetResult((int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].ValueSpan, CultureInfo.InvariantCulture),
                    m.Groups[3].Success ? double.Parse(m.Groups[3].ValueSpan, CultureInfo.InvariantCulture) : 0));
            }
        });
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => format.TrySetException(new FrameSourceException($"cannot open {description}: ffmpeg exited ({process.ExitCode})"));
        try
        {
            // Opened on the camera's own capture thread (IFrameSource is synchronous, like VideoCapture): waiting here
            // blocks only this camera.
            var (width, height, fps) = format.Task.WaitAsync(openTimeout).GetAwaiter().GetResult();
            return new StreamSource(process, description, width, height, fps);
        }
        catch (Exception e) when (e is TimeoutException or FrameSourceException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.Dispose();
            throw e as FrameSourceException ?? new FrameSourceException($"cannot open {description}: no video within {openTimeout.TotalSeconds:F0} s");
        }
    }

    private static readonly System.Text.RegularExpressions.Regex OutputFormat =
        new(@"Video: rawvideo.*?, (\d{2,5})x(\d{2,5})[ ,\[].*?(?:, ([\d.]+) fps)?", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static ProcessStartInfo StartInfo(string program, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    private static Process Start(ProcessStartInfo psi, string description, Action<string> onStderrLine)
    {
        try
        {
            var process = Process.Start(psi) ?? throw new FrameSourceException($"cannot open {description}: {psi.FileName} did not start");
            // Reading stderr also keeps its pipe from filling up and stalling ffmpeg.
            process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) onStderrLine(line); };
            process.BeginErrorReadLine();
            return process;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FrameSourceException($"cannot open {description}: {psi.FileName} is not installed ({e.Message})");
        }
    }
}
