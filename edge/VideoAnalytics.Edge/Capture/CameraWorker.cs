using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Transport;

namespace VideoAnalytics.Edge.Capture;

/// <summary>What a camera is doing, as reported in the device status.</summary>
public static class CameraStates
{
    public const string Starting = "starting";
    public const string Running = "running";
    public const string Reconnecting = "reconnecting";
    public const string Ended = "ended";
    public const string Failed = "failed";
    public const string Stopped = "stopped";
}

/// <summary>
/// Reads one camera on its own thread, keeps the frames it should analyse (at <see cref="CameraOptions.AnalysisFps"/>)
/// and writes them to a drop-oldest channel, so a slow analysis never makes the camera fall behind. Streams that fail
/// are reopened with capped, jittered exponential backoff; files end (or loop); a file that cannot be read fails this
/// camera only.
/// </summary>
public sealed class CameraWorker : IAsyncDisposable
{
    private readonly CameraOptions _options;
    private readonly Func<CameraOptions, IFrameSource> _open;
    private readonly ILogger _logger;
    private readonly FramePool _pool = new();
    private readonly DropOldestChannel<CapturedFrame> _channel;
    private readonly Backoff _backoff;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _healthLock = new();
    private Task _loop = Task.CompletedTask;
    private string _state = CameraStates.Starting;
    private string? _lastError;
    private DateTimeOffset? _lastFrameUtc;
    private long _framesDelivered;
    private long _framesAnalysed;
    private long _reconnects;
    private double _fps;
    private long _lastDeliveredTicks;

    /// <param name="analysisFpsWhenUnset">The rate used when the camera sets no <see cref="CameraOptions.AnalysisFps"/>: the gate's training rate.</param>
    public CameraWorker(CameraOptions options, ILogger logger, Func<CameraOptions, IFrameSource>? open = null,
        double analysisFpsWhenUnset = CameraOptions.DefaultAnalysisFps)
    {
        _options = options;
        AnalysisFps = options.AnalysisFps ?? analysisFpsWhenUnset;
        _open = open ?? FrameSources.Open;
        _logger = logger;
        _channel = new DropOldestChannel<CapturedFrame>(options.QueueCapacity, f => f.Return());
        _backoff = new Backoff(TimeSpan.FromSeconds(options.ReconnectInitialSeconds), TimeSpan.FromSeconds(options.ReconnectMaxSeconds));
    }

    public string CameraId => _options.Id;

    public CameraOptions Options => _options;

    /// <summary>Frames analysed per second (0: every frame).</summary>
    public double AnalysisFps { get; }

    /// <summary>Frames to analyse; the reader returns each one (<see cref="CapturedFrame.Return"/>) when done with it.</summary>
    public ChannelReader<CapturedFrame> Frames => _channel.Reader;

    public long FramesDelivered => Interlocked.Read(ref _framesDelivered);

    public long FramesDropped => _channel.Dropped;

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public string State { get { lock (_healthLock) return _state; } }

    /// <summary>Completes when the camera ended, failed or was stopped.</summary>
    public Task Completion => _loop;

    /// <summary>Called by the analysis stage for each frame it finished.</summary>
    public void MarkAnalysed() => Interlocked.Increment(ref _framesAnalysed);

    public CameraHealth Health()
    {
        lock (_healthLock)
            return new CameraHealth(_options.Id, _state, Math.Round(_fps, 2), Interlocked.Read(ref _framesAnalysed), FramesDropped, _lastFrameUtc, _lastError);
    }

    public void Start(CancellationToken ct)
    {
        var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
        // Blocking decode belongs on a dedicated thread, not the thread pool.
        _loop = Task.Factory.StartNew(() => Run(linked.Token), linked.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .ContinueWith(t => { linked.Dispose(); return t; }, TaskScheduler.Default).Unwrap();
    }

    private void Run(CancellationToken ct)
    {
        var position = TimeSpan.Zero;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                IFrameSource source;
                try
                {
                    source = _open(_options);
                }
                catch (FrameSourceException e)
                {
                    if (!_options.IsLiveCamera) { Fail(e.Message); return; }
                    Wait(e.Message, ct);
                    continue;
                }
                using (source)
                {
                    SetState(CameraStates.Running, null);
                    _logger.LogInformation("Camera {Camera} opened {Source} at {Fps:F1} fps", _options.Id, source.Description, source.Fps);
                    var outcome = Pump(source, ref position, ct);
                    switch (outcome)
                    {
                        case PumpOutcome.Ended:
                            SetState(CameraStates.Ended, null);
                            _logger.LogInformation("Camera {Camera} reached the end of {Source}", _options.Id, source.Description);
                            return;
                        case PumpOutcome.Failed when !_options.IsLiveCamera:
                            return;
                        case PumpOutcome.Failed:
                            Interlocked.Increment(ref _reconnects);
                            Wait(_lastError ?? "stream stopped", ct);
                            break;
                    }
                }
            }
        }
        finally
        {
            lock (_healthLock)
            {
                if (_state is CameraStates.Running or CameraStates.Reconnecting or CameraStates.Starting) _state = CameraStates.Stopped;
            }
            _channel.Complete();
        }
    }

    private enum PumpOutcome { Ended, Failed, Stopped }

    private PumpOutcome Pump(IFrameSource source, ref TimeSpan position, CancellationToken ct)
    {
        var pace = _options.Live && !_options.IsLiveCamera;
        var lossless = !_options.Live && !_options.IsLiveCamera;
        var wall = Stopwatch.StartNew();
        TimeSpan? first = null;
        var sessionOffset = position;
        var clock = new AnalysisClock(AnalysisFps);
        while (!ct.IsCancellationRequested)
        {
            var frame = _pool.Rent();
            bool ok;
            TimeSpan sourcePosition;
            try
            {
                ok = source.TryRead(frame.Image, out sourcePosition);
            }
            catch (FrameSourceException e)
            {
                frame.Return();
                Fail(e.Message);
                return PumpOutcome.Failed;
            }
            if (!ok)
            {
                frame.Return();
                if (_options.IsLiveCamera)
                {
                    SetState(CameraStates.Reconnecting, $"{source.Description} returned no frame (empty frame or stream lost)");
                    return PumpOutcome.Failed;
                }
                return PumpOutcome.Ended;
            }
            _backoff.Reset();
            first ??= sourcePosition;
            position = sessionOffset + (sourcePosition - first.Value);
            if (pace)
            {
                var ahead = sourcePosition - first.Value - wall.Elapsed;
                if (ahead > TimeSpan.Zero && ct.WaitHandle.WaitOne(ahead)) { frame.Return(); return PumpOutcome.Stopped; }
            }
            if (!clock.ShouldAnalyse(position))
            {
                frame.Return();
                continue;
            }
            frame.Position = position;
            frame.CapturedUtc = DateTimeOffset.UtcNow;
            frame.Sequence = Interlocked.Increment(ref _framesDelivered);
            UpdateRate(frame.CapturedUtc);
            if (lossless && !_channel.WaitForRoom(ct)) { frame.Return(); return PumpOutcome.Stopped; }
            _channel.Write(frame);
        }
        return PumpOutcome.Stopped;
    }

    private void UpdateRate(DateTimeOffset now)
    {
        var ticks = Stopwatch.GetTimestamp();
        lock (_healthLock)
        {
            if (_lastDeliveredTicks != 0)
            {
                var seconds = Stopwatch.GetElapsedTime(_lastDeliveredTicks, ticks).TotalSeconds;
                if (seconds > 0) _fps = _fps == 0 ? 1 / seconds : 0.8 * _fps + 0.2 / seconds;
            }
            _lastDeliveredTicks = ticks;
            _lastFrameUtc = now;
        }
    }

    private void Wait(string reason, CancellationToken ct)
    {
        var delay = _backoff.NextDelay();
        SetState(CameraStates.Reconnecting, reason);
        _logger.LogWarning("Camera {Camera}: {Reason}; retry {Attempt} in {Delay:F1} s", _options.Id, reason, _backoff.Failures, delay.TotalSeconds);
        ct.WaitHandle.WaitOne(delay);
    }

    private void Fail(string error)
    {
        SetState(CameraStates.Failed, error);
        _logger.LogError("Camera {Camera} failed: {Error}", _options.Id, error);
    }

    private void SetState(string state, string? error)
    {
        lock (_healthLock)
        {
            _state = state;
            if (error is not null) _lastError = error;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _loop.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        while (_channel.Reader.TryRead(out var f)) f.Return();
        _pool.Dispose();
        _stop.Dispose();
    }
}
