using System.Diagnostics;

namespace VideoAnalytics.Admin.Commands;

/// <summary>A progress bar on stderr for an upload of known size, redrawn at most ten times a second.</summary>
public sealed class UploadProgress(long total, TextWriter output)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _sent;
    private long _lastDrawMs = -1000;

    public void Add(int bytes)
    {
        _sent += bytes;
        if (_clock.ElapsedMilliseconds - _lastDrawMs < 100) return;
        _lastDrawMs = _clock.ElapsedMilliseconds;
        Draw();
    }

    public void Finish()
    {
        Draw();
        output.WriteLine();
    }

    private void Draw()
    {
        var fraction = total == 0 ? 1 : Math.Min(1, (double)_sent / total);
        var filled = (int)(fraction * 30);
        output.Write($"\r[{new string('#', filled)}{new string(' ', 30 - filled)}] {fraction * 100,3:0}% {_sent / 1048576.0:0.0}/{total / 1048576.0:0.0} MB");
    }
}

/// <summary>A read-only stream that reports the bytes read through it.</summary>
public sealed class ProgressStream(Stream inner, UploadProgress progress) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    private int Count(int n)
    {
        progress.Add(n);
        return n;
    }
}
