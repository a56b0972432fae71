using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VideoAnalytics.Edge.Tests;

/// <summary>
/// A real RTSP server on loopback for tests. Debian's ffmpeg 5.1 cannot serve RTSP itself (its RTSP muxer only pushes
/// to a server), so ffmpeg streams the clip in a loop as RTP to a local UDP port and this class answers the RTSP
/// handshake (OPTIONS, DESCRIBE with ffmpeg's SDP, SETUP for RTP-over-TCP, PLAY) and relays the RTP packets
/// interleaved on the client's connection. <see cref="Stop"/> kills ffmpeg and drops every connection, like a camera
/// that lost power; <see cref="Start"/> brings it back on the same port.
/// </summary>
internal sealed class RtspTestServer : IDisposable
{
    private readonly string _clip;
    private readonly string _sdpFile = Path.Combine(Path.GetTempPath(), $"va-rtsp-{Guid.NewGuid():N}.sdp");
    private readonly List<NetworkStream> _playing = [];
    private Process? _ffmpeg;
    private TcpListener? _listener;
    private UdpClient? _rtp;
    private CancellationTokenSource? _stop;

    public RtspTestServer(string clip)
    {
        _clip = clip;
        Port = FreeTcpPort();
    }

    public int Port { get; }

    public string Url => $"rtsp://127.0.0.1:{Port}/cam";

    public void Start()
    {
        _stop = new CancellationTokenSource();
        _rtp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var rtpPort = ((IPEndPoint)_rtp.Client.LocalEndPoint!).Port;
        File.Delete(_sdpFile);
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-stream_loop", "-1", "-i", _clip, "-an", "-c", "copy",
                     "-f", "rtp", "-sdp_file", _sdpFile, $"rtp://127.0.0.1:{rtpPort}?rtcpport={rtpPort}" })
            psi.ArgumentList.Add(a);
        _ffmpeg = Process.Start(psi)!;
        _ffmpeg.ErrorDataReceived += (_, _) => { };
        _ffmpeg.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(_sdpFile) || new FileInfo(_sdpFile).Length == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("ffmpeg wrote no SDP");
            Thread.Sleep(20);
        }
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _ = AcceptLoopAsync(_listener, _stop.Token);
        _ = RelayLoopAsync(_rtp, _stop.Token);
    }

    public void Stop()
    {
        _stop?.Cancel();
        _listener?.Stop();
        _rtp?.Dispose();
        lock (_playing)
        {
            foreach (var s in _playing) s.Dispose();
            _playing.Clear();
        }
        if (_ffmpeg is { HasExited: false })
        {
            _ffmpeg.Kill(entireProcessTree: true);
            _ffmpeg.WaitForExit(5000);
        }
        _ffmpeg?.Dispose();
        _ffmpeg = null;
        _stop?.Dispose();
        _stop = null;
    }

    public void Dispose()
    {
        Stop();
        File.Delete(_sdpFile);
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(ct);
                _ = ServeAsync(client, ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken ct)
    {
        var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.ASCII, false, 1024, leaveOpen: true);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var requestLine = await reader.ReadLineAsync(ct);
                if (requestLine is null) break;
                if (requestLine.Length == 0) continue;
                var cseq = "0";
                string? line;
                while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync(ct)))
                {
                    if (line.StartsWith("CSeq:", StringComparison.OrdinalIgnoreCase)) cseq = line[5..].Trim();
                }
                var method = requestLine.Split(' ')[0];
                var (headers, body) = method switch
                {
                    "OPTIONS" => ("Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n", ""),
                    "DESCRIBE" => ($"Content-Base: {Url}/\r\nContent-Type: application/sdp\r\n", Sdp()),
                    "SETUP" => ("Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 4242\r\n", ""),
                    "PLAY" => ("Session: 4242\r\nRange: npt=0.000-\r\n", ""),
                    _ => ("Session: 4242\r\n", ""),
                };
                var response = $"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{headers}Content-Length: {Encoding.ASCII.GetByteCount(body)}\r\n\r\n{body}";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response), ct);
                if (method == "PLAY") lock (_playing) _playing.Add(stream);
                if (method == "TEARDOWN") break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException) { }
        finally
        {
            lock (_playing) _playing.Remove(stream);
            client.Dispose();
        }
    }

    /// <summary>ffmpeg's SDP, with the connection address left open and a control URL per track.</summary>
    private string Sdp()
    {
        var lines = File.ReadAllLines(_sdpFile).Where(l => l.Length > 0).Select(l => l.StartsWith("m=video", StringComparison.Ordinal)
            ? "m=video 0 RTP/AVP 96" : l.StartsWith("c=", StringComparison.Ordinal) ? "c=IN IP4 0.0.0.0" : l).ToList();
        lines.Add("a=control:trackID=0");
        return string.Join("\r\n", lines) + "\r\n";
    }

    private async Task RelayLoopAsync(UdpClient rtp, CancellationToken ct)
    {
        var frame = new byte[4 + 65536];
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var packet = await rtp.ReceiveAsync(ct);
                var length = packet.Buffer.Length;
                frame[0] = (byte)'$';
                frame[1] = 0;
                frame[2] = (byte)(length >> 8);
                frame[3] = (byte)length;
                packet.Buffer.CopyTo(frame, 4);
                NetworkStream[] targets;
                lock (_playing) targets = [.. _playing];
                foreach (var t in targets)
                {
                    try { await t.WriteAsync(frame.AsMemory(0, 4 + length), ct); }
                    catch (Exception e) when (e is IOException or ObjectDisposedException) { lock (_playing) _playing.Remove(t); }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    private static int FreeTcpPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
