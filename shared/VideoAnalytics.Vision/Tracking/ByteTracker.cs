using VideoAnalytics.Vision.Detection;

namespace VideoAnalytics.Vision.Tracking;

using Detection = VideoAnalytics.Vision.Detection.Detection;

/// <summary>
/// ByteTrack-style multi-object tracker: a Kalman filter per track predicts its box; high-score detections are
/// associated first (with tracked and recently lost tracks), then low-score detections with the tracks still
/// unmatched, then tentative tracks; leftovers start tentative tracks, which get an id once confirmed by a
/// second detection. Lost tracks are kept for a buffer of frames (and optionally time) and keep their id if
/// re-found. Association is greedy by IoU (highest first) rather than Hungarian: with IoU costs and the
/// sparse scenes of a camera this picks the same pairs in practice and needs no per-frame cost matrix.
/// Not thread-safe: one instance per camera. Velocities are reported in pixels per second.
/// </summary>
public sealed class ByteTracker : IMultiObjectTracker
{
    private static readonly Comparison<Candidate> ByIoUDescending = (a, b) => b.IoU.CompareTo(a.IoU);

    private readonly ByteTrackerOptions _options;
    private readonly List<Track> _tracks = [];
    private readonly Stack<Track> _pool = new();
    private readonly List<int> _high = [];
    private readonly List<int> _low = [];
    private readonly List<Track> _stage = [];
    private readonly List<Candidate> _pairs = [];
    private bool[] _detectionUsed = new bool[64];
    private long _nextId = 1;
    private long _frame;
    private TimeSpan _lastTimestamp;
    private double _secondsPerFrame;

    public ByteTracker(ByteTrackerOptions? options = null)
    {
        _options = options ?? new ByteTrackerOptions();
        var errors = _options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join("; ", errors), nameof(options));
    }

    /// <summary>Confirmed tracks currently kept (tracked or lost).</summary>
    public int LiveTrackCount
    {
        get
        {
            var n = 0;
            foreach (var t in _tracks) if (t.Id > 0) n++;
            return n;
        }
    }

    public void Update(IReadOnlyList<Detection> detections, TimeSpan timestamp, List<TrackedObject> active, List<long> ended)
    {
        ArgumentNullException.ThrowIfNull(detections);
        active.Clear();
        ended.Clear();
        _frame++;
        UpdateFrameInterval(timestamp);

        foreach (var t in _tracks) t.Filter.Predict(freezeHeightVelocity: t.State != TrackState.Tracked);

        if (_detectionUsed.Length < detections.Count) _detectionUsed = new bool[Math.Max(detections.Count, _detectionUsed.Length * 2)];
        Array.Clear(_detectionUsed, 0, detections.Count);
        _high.Clear();
        _low.Clear();
        for (var i = 0; i < detections.Count; i++)
        {
            var s = detections[i].Score;
            if (s >= _options.HighScoreThreshold) _high.Add(i);
            else if (s >= _options.LowScoreThreshold) _low.Add(i);
        }

        // Stage 1: confirmed tracks (tracked or lost) against high-score detections.
        _stage.Clear();
        foreach (var t in _tracks) if (t.Id > 0) _stage.Add(t);
        Associate(_stage, detections, _high, _options.HighMatchIoU, timestamp);

        // Stage 2: tracks that were tracked last frame and are still unmatched, against low-score detections.
        _stage.Clear();
        foreach (var t in _tracks) if (t.Id > 0 && t.State == TrackState.Tracked && t.LastFrame != _frame) _stage.Add(t);
        Associate(_stage, detections, _low, _options.LowMatchIoU, timestamp);
        foreach (var t in _stage) if (t.LastFrame != _frame) t.State = TrackState.Lost;

        // Stage 3: tentative tracks against the high-score detections left; a match confirms them.
        _stage.Clear();
        foreach (var t in _tracks) if (t.Id == 0) _stage.Add(t);
        Associate(_stage, detections, _high, _options.TentativeMatchIoU, timestamp);
        foreach (var t in _stage)
        {
            if (t.LastFrame == _frame) t.Id = _nextId++;
        }

        // Remove unconfirmed leftovers and lost tracks past their buffer.
        for (var i = _tracks.Count - 1; i >= 0; i--)
        {
            var t = _tracks[i];
            var expired = t.Id == 0
                ? t.LastFrame != _frame
                : t.State == TrackState.Lost && (_frame - t.LastFrame > _options.LostTrackFrames
                    || (_options.LostTrackTime is { } limit && timestamp - t.LastSeen > limit));
            if (!expired) continue;
            if (t.Id > 0) ended.Add(t.Id);
            _tracks.RemoveAt(i);
            _pool.Push(t);
        }

        // Stage 4: new tentative tracks from unmatched high-score detections (confirmed at once on the first frame).
        foreach (var d in _high)
        {
            if (_detectionUsed[d] || detections[d].Score < _options.NewTrackThreshold) continue;
            var t = _pool.Count > 0 ? _pool.Pop() : new Track();
            t.Start(detections[d], _frame, timestamp);
            if (_frame == 1) t.Id = _nextId++;
            _tracks.Add(t);
        }

        var fps = _secondsPerFrame > 0 ? 1 / _secondsPerFrame : 0;
        foreach (var t in _tracks)
        {
            if (t.Id == 0 || t.LastFrame != _frame) continue;
            var m = t.Filter.Mean;
            active.Add(new TrackedObject(t.Id, t.ClassId, t.Box(), t.Score, (float)(m[4] * fps), (float)(m[5] * fps)));
        }
    }

    private void UpdateFrameInterval(TimeSpan timestamp)
    {
        if (_frame > 1)
        {
            var dt = (timestamp - _lastTimestamp).TotalSeconds;
            // Smoothed so that one late frame does not swing the reported velocities.
            if (dt > 0) _secondsPerFrame = _secondsPerFrame <= 0 ? dt : _secondsPerFrame * 0.9 + dt * 0.1;
        }
        _lastTimestamp = timestamp;
    }

    private void Associate(List<Track> tracks, IReadOnlyList<Detection> detections, List<int> candidates, float minIoU, TimeSpan timestamp)
    {
        _pairs.Clear();
        for (var ti = 0; ti < tracks.Count; ti++)
        {
            var track = tracks[ti];
            if (track.LastFrame == _frame) continue;
            var box = track.Box();
            foreach (var d in candidates)
            {
                if (_detectionUsed[d]) continue;
                var det = detections[d];
                if (_options.ClassAware && det.ClassId != track.ClassId) continue;
                var iou = BoxF.IoU(box, det.Box);
                if (iou >= minIoU) _pairs.Add(new Candidate(ti, d, iou));
            }
        }
        _pairs.Sort(ByIoUDescending);
        foreach (var p in _pairs)
        {
            var track = tracks[p.Track];
            if (_detectionUsed[p.Detection] || track.LastFrame == _frame) continue;
            _detectionUsed[p.Detection] = true;
            track.Match(detections[p.Detection], _frame, timestamp);
        }
    }

    private readonly record struct Candidate(int Track, int Detection, float IoU);

    private enum TrackState
    {
        Tracked,
        Lost,
    }

    private sealed class Track
    {
        public readonly KalmanBoxFilter Filter = new();
        public long Id;
        public int ClassId;
        public float Score;
        public TrackState State;
        public long LastFrame;
        public TimeSpan LastSeen;

        public void Start(in Detection d, long frame, TimeSpan timestamp)
        {
            Id = 0;
            ClassId = d.ClassId;
            Score = d.Score;
            State = TrackState.Tracked;
            LastFrame = frame;
            LastSeen = timestamp;
            var b = d.Box;
            Filter.Initiate(b.CenterX, b.CenterY, b.W / Math.Max(b.H, 1e-3f), b.H);
        }

        public void Match(in Detection d, long frame, TimeSpan timestamp)
        {
            Score = d.Score;
            State = TrackState.Tracked;
            LastFrame = frame;
            LastSeen = timestamp;
            var b = d.Box;
            Filter.Update(b.CenterX, b.CenterY, b.W / Math.Max(b.H, 1e-3f), b.H);
        }

        public BoxF Box()
        {
            var m = Filter.Mean;
            var h = (float)m[3];
            var w = (float)(m[2] * m[3]);
            return new BoxF((float)m[0] - w / 2, (float)m[1] - h / 2, w, h);
        }
    }
}
