using Microsoft.Extensions.Logging;
using OpenCvSharp;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Edge.Device;
using VideoAnalytics.Edge.Spool;
using VideoAnalytics.Vision.Tracking;

namespace VideoAnalytics.Edge.Clips;

/// <summary>
/// Per camera: keeps the last <c>preRoll</c> of analysed frames (scaled down, pooled) so a clip starts before the
/// moment that triggered it, records until <c>postRoll</c> after the triggering window, then builds the clip off the
/// analysis thread and writes it into the spool. A trigger during a recording extends it (up to <see cref="MaxLength"/>).
/// </summary>
public sealed class ClipRecorder : IAsyncDisposable
{
    public static readonly TimeSpan MaxLength = TimeSpan.FromSeconds(30);
    private readonly TimeSpan _preRoll;
    private readonly TimeSpan _postRoll;
    private readonly int _maxSide;
    private readonly ClipBuilder _builder;
    private readonly ISpool _spool;
    private readonly EdgeCounters _counters;
    private readonly ILogger _logger;
    private readonly ClipFramePool _pool = new();
    private readonly Queue<ClipFrame> _ring = new();
    private readonly List<Task> _pending = [];
    private Recording? _recording;

    public ClipRecorder(TimeSpan preRoll, TimeSpan postRoll, int maxSide, ClipBuilder builder, ISpool spool, EdgeCounters counters, ILogger logger)
    {
        _preRoll = preRoll;
        _postRoll = postRoll;
        _maxSide = maxSide;
        _builder = builder;
        _spool = spool;
        _counters = counters;
        _logger = logger;
    }

    public bool IsRecording => _recording is not null;

    /// <summary>Starts (or extends) a recording that ends <c>postRoll</c> after <paramref name="triggerEnd"/>.</summary>
    public void Trigger(ClipRequest request, TimeSpan triggerEnd)
    {
        if (_recording is { } r)
        {
            r.End = Min(triggerEnd + _postRoll, r.Start + MaxLength);
            if (request.Decision > r.Request.Decision || request.Score > r.Request.Score) r.Request = r.Request with { Decision = Max(request.Decision, r.Request.Decision), Score = Math.Max(request.Score, r.Request.Score), Features = request.Features };
            return;
        }
        var recording = new Recording(request, _ring.Count > 0 ? _ring.Peek().Position : triggerEnd, triggerEnd + _postRoll);
        recording.Frames.AddRange(_ring);
        _ring.Clear();
        _recording = recording;
    }

    /// <summary>Keeps a scaled copy of an analysed frame; finishes the recording once its post-roll is covered.</summary>
    public void Add(Mat bgr, TimeSpan position, DateTimeOffset capturedUtc, IReadOnlyList<TrackedObject> tracks, IReadOnlyList<string> labels)
    {
        var frame = _pool.Rent();
        Scale(bgr, frame.Image);
        frame.Position = position;
        frame.CapturedUtc = capturedUtc;
        float w = bgr.Cols, h = bgr.Rows;
        foreach (var t in tracks)
        {
            var label = t.ClassId >= 0 && t.ClassId < labels.Count ? labels[t.ClassId] : "object";
            frame.Boxes.Add(new BoxAnnotation(t.TrackId, label, Math.Clamp(t.Score, 0, 1),
                Math.Clamp(t.Box.X / w, 0, 1), Math.Clamp(t.Box.Y / h, 0, 1), Math.Clamp(t.Box.W / w, 0, 1), Math.Clamp(t.Box.H / h, 0, 1)));
        }
        if (_recording is { } r)
        {
            r.Frames.Add(frame);
            if (position >= r.End) Finish();
            return;
        }
        _ring.Enqueue(frame);
        while (_ring.Count > 0 && position - _ring.Peek().Position > _preRoll) _pool.Return(_ring.Dequeue());
    }

    /// <summary>Finishes what is being recorded now (at shutdown or end of input) and waits for clips being built.</summary>
    public async Task FlushAsync()
    {
        if (_recording is not null) Finish();
        Task[] pending;
        lock (_pending) pending = [.. _pending];
        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    private void Finish()
    {
        var r = _recording!;
        _recording = null;
        var task = Task.Run(() => BuildAndSpoolAsync(r));
        lock (_pending)
        {
            _pending.RemoveAll(t => t.IsCompleted);
            _pending.Add(task);
        }
    }

    private async Task BuildAndSpoolAsync(Recording r)
    {
        try
        {
            var (manifest, blob) = await _builder.BuildAsync(r.Request, r.Frames, CancellationToken.None).ConfigureAwait(false);
            await _spool.EnqueueClipAsync(manifest, blob, CancellationToken.None).ConfigureAwait(false);
            _counters.ClipWritten(blob.Length);
            _logger.LogInformation("Clip {ClipId} of camera {Camera}: {Decision} score {Score:F3}, {Frames} frames, {Keyframes} keyframes, {Bytes} bytes",
                manifest.ClipId, manifest.Camera, manifest.Decision, manifest.Score, r.Frames.Count, manifest.Keyframes.Count, blob.Length);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OpenCVException)
        {
            _counters.ClipFailed();
            _logger.LogError(e, "Clip {ClipId} of camera {Camera} could not be written", r.Request.ClipId, r.Request.Camera);
        }
        finally
        {
            foreach (var f in r.Frames) _pool.Return(f);
        }
    }

    private void Scale(Mat bgr, Mat target)
    {
        var scale = Math.Min(1.0, (double)_maxSide / Math.Max(bgr.Cols, bgr.Rows));
        // Even sizes: H.264 with yuv420p needs them.
        var w = Math.Max(2, (int)(bgr.Cols * scale) & ~1);
        var h = Math.Max(2, (int)(bgr.Rows * scale) & ~1);
        Cv2.Resize(bgr, target, new Size(w, h), 0, 0, InterpolationFlags.Area);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static GateDecision Max(GateDecision a, GateDecision b) => a > b ? a : b;

    public async ValueTask DisposeAsync()
    {
        await FlushAsync().ConfigureAwait(false);
        _pool.Dispose();
    }

    private sealed class Recording(ClipRequest request, TimeSpan start, TimeSpan end)
    {
        public ClipRequest Request { get; set; } = request;
        public TimeSpan Start { get; } = start;
        public TimeSpan End { get; set; } = end;
        public List<ClipFrame> Frames { get; } = [];
    }
}
