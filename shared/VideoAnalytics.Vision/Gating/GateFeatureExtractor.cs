using OpenCvSharp;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Tracking;

namespace VideoAnalytics.Vision.Gating;

/// <summary>
/// Window and stride of the gate, how much of a window must be seen before it is scored, and the width of the grey
/// frame the optical flow runs on (the gate's largest cost beside the detector).
/// </summary>
public sealed record GateWindowSettings(double WindowSeconds = 2, double StrideSeconds = 0.5, double MinCoverage = 0.5,
    int FlowWidth = GateWindowSettings.DefaultFlowWidth)
{
    public const int DefaultFlowWidth = 96;
    public const int LegacyFlowWidth = 160;
    public const int MinFlowWidth = 32;
    public const int MaxFlowWidth = 1920;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (WindowSeconds is <= 0 or > 60) errors.Add($"window {WindowSeconds} s must be in (0, 60]");
        if (StrideSeconds <= 0 || StrideSeconds > WindowSeconds) errors.Add($"stride {StrideSeconds} s must be in (0, window]");
        if (MinCoverage is <= 0 or > 1) errors.Add($"minCoverage {MinCoverage} must be in (0, 1]");
        if (FlowWidth is < MinFlowWidth or > MaxFlowWidth) errors.Add($"flowWidth {FlowWidth} must be within {MinFlowWidth}..{MaxFlowWidth}");
        return errors;
    }
}

/// <summary>One scored span of time: its features in <see cref="GateFeatureExtractor.FeatureNames"/> order.</summary>
public readonly record struct GateWindow(TimeSpan Start, TimeSpan End, int Frames);

/// <summary>
/// Turns analysed frames (tracked people + the frame for optical flow + optional head scores) into one feature vector
/// per sliding window. Per-frame summaries live in a ring; per-track motion in a dictionary of structs: nothing is
/// allocated per frame once the ring and dictionary have grown.
/// </summary>
public sealed class GateFeatureExtractor : IDisposable
{
    private const float CloseDistance = 1.0f;
    private readonly GateWindowSettings _settings;
    private readonly int _personClassId;
    private readonly string[] _headNames;
    private readonly MotionMeter _motion;
    private readonly PoseMotion? _pose;
    private readonly Dictionary<long, TrackMotion> _tracks = [];
    private readonly List<long> _stale = [];
    private FrameSummary[] _ring = new FrameSummary[64];
    private int _head;
    private int _count;
    private TimeSpan? _lastEmitEnd;
    private TimeSpan _firstPosition = TimeSpan.MinValue;
    private bool _pendingSinceEmit;

    /// <param name="pose">The optional pose stage; its features follow the core ones. Not owned.</param>
    public GateFeatureExtractor(GateWindowSettings settings, int personClassId = 0, IReadOnlyList<string>? headNames = null, PoseMotion? pose = null)
    {
        var errors = settings.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join("; ", errors), nameof(settings));
        _settings = settings;
        _personClassId = personClassId;
        _headNames = [.. headNames ?? []];
        _motion = new MotionMeter(settings.FlowWidth);
        _pose = pose;
        FeatureNames = GateFeatures.Names(pose is not null, _headNames);
    }

    public IReadOnlyList<string> FeatureNames { get; }

    public GateWindowSettings Settings => _settings;

    /// <summary>Adds one analysed frame. <paramref name="heads"/> holds head scores by name (missing ones count as 0).</summary>
    public void AddFrame(Mat bgr, TimeSpan position, IReadOnlyList<TrackedObject> tracks, IReadOnlyDictionary<string, float>? heads = null)
    {
        _motion.Update(bgr, position);
        if (_firstPosition == TimeSpan.MinValue) _firstPosition = position;
        var summary = Summarise(position, tracks);
        if (_pose is not null)
        {
            var pose = _pose.Measure(bgr, position, tracks, _personClassId);
            (summary.WristSpeedMax, summary.ReachMax) = (pose.WristSpeedMax, pose.ReachMax);
        }
        for (var i = 0; i < _headNames.Length && i < FrameSummary.MaxHeads; i++)
            summary.SetHead(i, heads is not null && heads.TryGetValue(_headNames[i], out var v) && float.IsFinite(v) ? v : 0);
        Push(summary);
        _pendingSinceEmit = true;
    }

    /// <summary>
    /// True when a stride has passed since the last window and enough of the window is covered; writes the window's
    /// features into <paramref name="features"/> (length <see cref="FeatureNames"/>.Count).
    /// </summary>
    public bool TryGetWindow(Span<float> features, out GateWindow window)
    {
        window = default;
        if (_count == 0) return false;
        var end = Newest.Position;
        var covered = (end - _firstPosition).TotalSeconds;
        if (covered + 1e-6 < _settings.WindowSeconds * _settings.MinCoverage) return false;
        if (_lastEmitEnd is { } last && (end - last).TotalSeconds + 1e-6 < _settings.StrideSeconds) return false;
        return Emit(features, end, out window);
    }

    /// <summary>At the end of a video: the last window, if frames arrived since the last one was emitted.</summary>
    public bool Flush(Span<float> features, out GateWindow window)
    {
        window = default;
        return _count > 0 && _pendingSinceEmit && Emit(features, Newest.Position, out window);
    }

    private bool Emit(Span<float> features, TimeSpan end, out GateWindow window)
    {
        if (features.Length != FeatureNames.Count) throw new ArgumentException($"features has {features.Length} slots, need {FeatureNames.Count}");
        var start = end - TimeSpan.FromSeconds(_settings.WindowSeconds);
        Aggregate(start, features, out var frames, out var firstInWindow);
        _lastEmitEnd = end;
        _pendingSinceEmit = false;
        window = new GateWindow(firstInWindow, end, frames);
        return true;
    }

    private ref FrameSummary Newest => ref _ring[(_head - 1 + _ring.Length) % _ring.Length];

    private void Push(in FrameSummary s)
    {
        if (_count == _ring.Length)
        {
            // Grow only if the oldest entry still belongs to the window; otherwise overwrite it.
            var oldest = _ring[_head];
            if ((s.Position - oldest.Position).TotalSeconds <= _settings.WindowSeconds + 1)
            {
                var bigger = new FrameSummary[_ring.Length * 2];
                for (var i = 0; i < _count; i++) bigger[i] = _ring[(_head + i) % _ring.Length];
                _ring = bigger;
                _head = _count;
            }
            else
            {
                _count--;
            }
        }
        _ring[_head] = s;
        _head = (_head + 1) % _ring.Length;
        _count++;
    }

    private FrameSummary Summarise(TimeSpan position, IReadOnlyList<TrackedObject> tracks)
    {
        var s = new FrameSummary { Position = position, PairDistanceMin = GateFeatures.NoPairDistance, FlowFrame = _motion.FrameMagnitude };
        int persons = 0, newTracks = 0;
        float speedSum = 0, accelSum = 0, flowSum = 0, spreadSum = 0;
        foreach (var key in _tracks.Keys) _stale.Add(key);
        for (var i = 0; i < tracks.Count; i++)
        {
            var t = tracks[i];
            if (t.ClassId != _personClassId || t.Box.H <= 1) continue;
            persons++;
            _stale.Remove(t.TrackId);
            var motion = _motion.Measure(t.Box);
            flowSum += motion.Magnitude;
            spreadSum += motion.DirectionSpread;
            s.FlowPersonsMax = MathF.Max(s.FlowPersonsMax, motion.Magnitude);

            float speed = 0, accel = 0, heightChange = 0;
            var known = _tracks.TryGetValue(t.TrackId, out var previous);
            if (known)
            {
                var dt = (float)(position - previous.Position).TotalSeconds;
                if (dt > 0)
                {
                    var scale = (t.Box.H + previous.Height) / 2;
                    var dx = t.Box.CenterX - previous.CenterX;
                    var dy = t.Box.CenterY - previous.CenterY;
                    speed = MathF.Sqrt(dx * dx + dy * dy) / scale / dt;
                    accel = previous.HasSpeed ? MathF.Abs(speed - previous.Speed) / dt : 0;
                    heightChange = MathF.Abs(t.Box.H - previous.Height) / scale / dt;
                }
            }
            else
            {
                newTracks++;
            }
            _tracks[t.TrackId] = new TrackMotion(position, t.Box.CenterX, t.Box.CenterY, t.Box.H, speed, known);
            speedSum += speed;
            accelSum += accel;
            s.SpeedMax = MathF.Max(s.SpeedMax, speed);
            s.AccelerationMax = MathF.Max(s.AccelerationMax, accel);
            s.HeightChangeMax = MathF.Max(s.HeightChangeMax, heightChange);

            for (var j = 0; j < i; j++)
            {
                var o = tracks[j];
                if (o.ClassId != _personClassId || o.Box.H <= 1) continue;
                var scale = (t.Box.H + o.Box.H) / 2;
                var dx = t.Box.CenterX - o.Box.CenterX;
                var dy = t.Box.CenterY - o.Box.CenterY;
                var distance = MathF.Sqrt(dx * dx + dy * dy) / scale;
                s.PairDistanceMin = MathF.Min(s.PairDistanceMin, distance);
                s.PairOverlapMax = MathF.Max(s.PairOverlapMax, BoxF.IoU(t.Box, o.Box));
            }
        }
        foreach (var key in _stale) _tracks.Remove(key);
        _stale.Clear();
        s.Persons = persons;
        s.NewTracks = newTracks;
        s.SpeedMean = persons > 0 ? speedSum / persons : 0;
        s.AccelerationMean = persons > 0 ? accelSum / persons : 0;
        s.FlowPersonsMean = persons > 0 ? flowSum / persons : 0;
        s.FlowSpreadMean = persons > 0 ? spreadSum / persons : 0;
        return s;
    }

    private void Aggregate(TimeSpan start, Span<float> f, out int frames, out TimeSpan first)
    {
        frames = 0;
        first = Newest.Position;
        double persons = 0, close = 0, overlap = 0, speed = 0, accel = 0, flow = 0, spread = 0, flowFrame = 0, churn = 0;
        float personsMax = 0, distanceMin = GateFeatures.NoPairDistance, overlapMax = 0, speedMax = 0, accelMax = 0, heightMax = 0, flowMax = 0;
        float wristMax = 0, reachMax = 0;
        Span<double> heads = stackalloc double[FrameSummary.MaxHeads];
        heads.Clear();
        for (var i = 0; i < _count; i++)
        {
            ref var s = ref _ring[(_head - 1 - i + 2 * _ring.Length) % _ring.Length];
            if (s.Position <= start && frames > 0) break;
            frames++;
            first = s.Position;
            persons += s.Persons;
            personsMax = MathF.Max(personsMax, s.Persons);
            distanceMin = MathF.Min(distanceMin, s.PairDistanceMin);
            if (s.PairDistanceMin < CloseDistance) close++;
            overlap += s.PairOverlapMax;
            overlapMax = MathF.Max(overlapMax, s.PairOverlapMax);
            speed += s.SpeedMean;
            speedMax = MathF.Max(speedMax, s.SpeedMax);
            accel += s.AccelerationMean;
            accelMax = MathF.Max(accelMax, s.AccelerationMax);
            heightMax = MathF.Max(heightMax, s.HeightChangeMax);
            flow += s.FlowPersonsMean;
            flowMax = MathF.Max(flowMax, s.FlowPersonsMax);
            spread += s.FlowSpreadMean;
            flowFrame += s.FlowFrame;
            churn += s.NewTracks;
            wristMax = MathF.Max(wristMax, s.WristSpeedMax);
            reachMax = MathF.Max(reachMax, s.ReachMax);
            for (var h = 0; h < _headNames.Length && h < FrameSummary.MaxHeads; h++) heads[h] += s.Head(h);
        }
        var n = Math.Max(1, frames);
        var seconds = Math.Max(0.1, (Newest.Position - first).TotalSeconds);
        var k = 0;
        f[k++] = (float)(persons / n);
        f[k++] = personsMax;
        f[k++] = distanceMin;
        f[k++] = (float)(close / n);
        f[k++] = overlapMax;
        f[k++] = (float)(overlap / n);
        f[k++] = (float)(speed / n);
        f[k++] = speedMax;
        f[k++] = (float)(accel / n);
        f[k++] = accelMax;
        f[k++] = heightMax;
        f[k++] = (float)(flow / n);
        f[k++] = flowMax;
        f[k++] = (float)(spread / n);
        f[k++] = (float)(flowFrame / n);
        f[k++] = (float)(flow / n / Math.Max(0.01, flowFrame / n));
        // The first frame's tracks are all "new"; churn counts what appears after it.
        f[k++] = (float)(Math.Max(0, churn - Oldest(frames).NewTracks) / seconds);
        if (_pose is not null)
        {
            f[k++] = wristMax;
            f[k++] = reachMax;
        }
        for (var h = 0; h < _headNames.Length; h++) f[k++] = h < FrameSummary.MaxHeads ? (float)(heads[h] / n) : 0;
    }

    private ref FrameSummary Oldest(int framesBack) => ref _ring[(_head - framesBack + 2 * _ring.Length) % _ring.Length];

    public void Dispose() => _motion.Dispose();

    private readonly record struct TrackMotion(TimeSpan Position, float CenterX, float CenterY, float Height, float Speed, bool HasSpeed);

    private struct FrameSummary
    {
        public const int MaxHeads = 8;
        public TimeSpan Position;
        public int Persons;
        public int NewTracks;
        public float PairDistanceMin;
        public float PairOverlapMax;
        public float SpeedMean;
        public float SpeedMax;
        public float AccelerationMean;
        public float AccelerationMax;
        public float HeightChangeMax;
        public float WristSpeedMax;
        public float ReachMax;
        public float FlowPersonsMean;
        public float FlowPersonsMax;
        public float FlowSpreadMean;
        public float FlowFrame;
        private HeadScores _heads;

        public readonly float Head(int i) => _heads[i];

        public void SetHead(int i, float value) => _heads[i] = value;
    }

    [System.Runtime.CompilerServices.InlineArray(FrameSummary.MaxHeads)]
    private struct HeadScores
    {
        private float _element;
    }
}
