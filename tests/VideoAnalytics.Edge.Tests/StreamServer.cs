using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace VideoAnalytics.Edge.Tests;

/// <summary>
/// Debian's ffmpeg serving a clip in a loop as a live MPEG-TS stream over HTTP on loopback (ffmpeg 5.1's RTSP muxer
/// cannot act as a server, its HTTP output can); killed on dispose.
/// </summary>
internal sealed class StreamServer : IDisposable
{
    private readonly string _clip;
    private Process? _process;

    public StreamServer(string clip)
    {
        _clip = clip;
        Port = FreePort();
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/cam.ts";

    public void Start()
    {
        var psi = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", _clip, "-an", "-c", "copy", "-f", "mpegts", "-listen", "1", Url })
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("ffmpeg did not start");
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        WaitUntilListening();
    }

    public void Stop()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (IPGlobalPropertiesListening()) return;
            Thread.Sleep(50);
        }
        throw new TimeoutException($"ffmpeg did not listen on {Url}");
    }

    private bool IPGlobalPropertiesListening() =>
        System.Net.NetworkInformation.IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Any(e => e.Port == Port);

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
