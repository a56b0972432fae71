using OpenCvSharp;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Encoding;
using VideoAnalytics.Vision.Heads;
using VideoAnalytics.Vision.Imaging;
using VideoAnalytics.Vision.Tracking;

namespace VideoAnalytics.Edge.Perception;

/// <summary>
/// Turns a camera's tracks into structured <see cref="TrackRecord"/>s: when a track ends (and every
/// <see cref="TrackOptions.RecordEverySeconds"/> while it lives) its class, time span, downsampled normalised
/// trajectory, scores, clothing colours, best crop (small JPEG), crop embedding and head outputs. Records leave in
/// <see cref="TrackBatch"/>es with a per-camera sequence number, returned when one is due: the caller spools them.
/// </summary>
public sealed class TrackRecorder : IDisposable
{
    private const int CropMaxSide = 128;
    private static readonly TimeSpan CropEvery = TimeSpan.FromSeconds(1);
    private readonly string _camera;
    private readonly DeviceId _device;
    private readonly TrackOptions _options;
    private readonly IReadOnlyList<string> _labels;
    private readonly ImageEncoder? _encoder;
    private readonly HeadSet? _heads;
    private readonly int _personClassId;
    private readonly Dictionary<long, TrackState> _tracks = [];
    private readonly List<TrackRecord> _pending = [];
    private readonly ClothingColorAnalyzer _colours = new();
    private DateTimeOffset _lastBatchUtc = DateTimeOffset.MinValue;
    private long _sequence;

    public TrackRecorder(string camera, DeviceId device, TrackOptions options, IReadOnlyList<string> labels, int personClassId,
        ImageEncoder? encoder, HeadSet? heads)
    {
        _camera = camera;
        _device = device;
        _options = options;
        _labels = labels;
        _personClassId = personClassId;
        _encoder = encoder;
        _heads = heads;
    }

    public long Sequence => _sequence;

    /// <summary>Follows the tracks of one analysed frame; returns the batch due now, if any.</summary>
    public TrackBatch? Observe(Mat bgr, TimeSpan position, DateTimeOffset utc, IReadOnlyList<TrackedObject> active, IReadOnlyList<long> ended)
    {
        int width = bgr.Cols, height = bgr.Rows;
        foreach (var t in active)
        {
            if (!_tracks.TryGetValue(t.TrackId, out var s))
            {
                s = new TrackState(t.TrackId, t.ClassId, position, utc);
                _tracks[t.TrackId] = s;
            }
            s.Observe(t, position, utc, width, height);
            if (position - s.LastCropAt >= CropEvery || s.BestCrop.Empty())
            {
                var quality = t.Score * MathF.Sqrt(Math.Max(1, t.Box.Area));
                if (quality > s.BestQuality || position - s.LastCropAt >= CropEvery * 10)
                {
                    s.KeepCrop(bgr, t.Box, quality, position);
                    if (t.ClassId == _personClassId && t.Box.H > 24) s.Colours = _colours.Analyze(bgr, t.Box);
                }
            }
            if (position - s.LastRecordAt >= TimeSpan.FromSeconds(_options.RecordEverySeconds))
            {
                _pending.Add(Record(s, ended: false));
                s.LastRecordAt = position;
            }
        }
        foreach (var id in ended)
        {
            if (!_tracks.Remove(id, out var s)) continue;
            if ((s.LastPosition - s.FirstPosition).TotalSeconds >= _options.MinTrackSeconds) _pending.Add(Record(s, ended: true));
            s.Dispose();
        }
        return _pending.Count > 0 && (utc - _lastBatchUtc >= TimeSpan.FromSeconds(_options.BatchSeconds) || _pending.Count >= 200)
            ? TakeBatch(utc)
            : null;
    }

    /// <summary>At shutdown or end of input: records every live track as ended and returns what is pending, if any.</summary>
    public TrackBatch? Flush(DateTimeOffset utc)
    {
        foreach (var s in _tracks.Values)
        {
            if ((s.LastPosition - s.FirstPosition).TotalSeconds >= _options.MinTrackSeconds) _pending.Add(Record(s, ended: true));
            s.Dispose();
        }
        _tracks.Clear();
        return _pending.Count > 0 ? TakeBatch(utc) : null;
    }

    private TrackBatch TakeBatch(DateTimeOffset utc)
    {
        var batch = new TrackBatch
        {
            MessageId = ClipIds.New(utc), Sequence = _sequence++, Branch = _device.Branch, Site = _device.Site, Device = _device.Device,
            Camera = _camera, TimeUtc = utc, Records = [.. _pending],
        };
        _pending.Clear();
        _lastBatchUtc = utc;
        return batch;
    }

    private TrackRecord Record(TrackState s, bool ended)
    {
        float[]? embedding = null;
        Dictionary<string, float> heads = [];
        if (_encoder is not null && !s.BestCrop.Empty())
        {
            embedding = new float[_encoder.EmbeddingSize];
            _encoder.EncodeCrops(s.BestCrop, [new BoxF(0, 0, s.BestCrop.Cols, s.BestCrop.Rows)], embedding);
            if (_heads is not null)
            {
                var scores = new float[_heads.OutputCount];
                _heads.Apply(embedding, scores);
                HeadScores.Name(_heads, scores, heads);
            }
        }
        return new TrackRecord
        {
            TrackId = s.Id,
            ClassName = s.ClassId >= 0 && s.ClassId < _labels.Count ? _labels[s.ClassId] : "object",
            FirstSeenUtc = s.FirstUtc, LastSeenUtc = s.LastUtc,
            Trajectory = [.. s.Trajectory],
            MaxScore = Math.Clamp(s.MaxScore, 0, 1), MeanScore = Math.Clamp(s.ScoreSum / Math.Max(1, s.Observations), 0, 1),
            UpperColour = s.Colours?.Upper.Color.ToString().ToLowerInvariant(),
            LowerColour = s.Colours?.Lower.Color.ToString().ToLowerInvariant(),
            Heads = heads,
            BestCropJpegBase64 = s.BestCrop.Empty() ? null : Convert.ToBase64String(JpegEncoding.Encode(s.BestCrop, 80)),
            Embedding = embedding,
            Ended = ended,
        };
    }

    public void Dispose()
    {
        foreach (var s in _tracks.Values) s.Dispose();
        _tracks.Clear();
        _colours.Dispose();
    }

    private sealed class TrackState(long id, int classId, TimeSpan first, DateTimeOffset firstUtc) : IDisposable
    {
        private TimeSpan _pointEvery = TimeSpan.FromSeconds(0.5);
        private TimeSpan? _lastPointAt;

        public long Id { get; } = id;
        public int ClassId { get; } = classId;
        public TimeSpan FirstPosition { get; } = first;
        public DateTimeOffset FirstUtc { get; } = firstUtc;
        public TimeSpan LastPosition { get; private set; } = first;
        public DateTimeOffset LastUtc { get; private set; } = firstUtc;
        public TimeSpan LastRecordAt { get; set; } = first;
        public TimeSpan LastCropAt { get; private set; } = TimeSpan.MinValue / 2;
        public float BestQuality { get; private set; }
        public Mat BestCrop { get; } = new();
        public ClothingColors? Colours { get; set; }
        public List<TrajectoryPoint> Trajectory { get; } = [];
        public float MaxScore { get; private set; }
        public float ScoreSum { get; private set; }
        public int Observations { get; private set; }

        public void Observe(in TrackedObject t, TimeSpan position, DateTimeOffset utc, int width, int height)
        {
            LastPosition = position;
            LastUtc = utc;
            MaxScore = MathF.Max(MaxScore, t.Score);
            ScoreSum += t.Score;
            Observations++;
            if (_lastPointAt is { } last && position - last < _pointEvery) return;
            _lastPointAt = position;
            if (Trajectory.Count >= Limits.MaxTrajectoryPoints)
            {
                // Keep every other point and halve the rate, so a long track still fits.
                for (var i = 0; i < Trajectory.Count / 2; i++) Trajectory[i] = Trajectory[2 * i];
                Trajectory.RemoveRange(Trajectory.Count / 2, Trajectory.Count - Trajectory.Count / 2);
                _pointEvery *= 2;
            }
            Trajectory.Add(new TrajectoryPoint((int)(position - FirstPosition).TotalMilliseconds,
                Math.Clamp(t.Box.CenterX / width, 0, 1), Math.Clamp(t.Box.CenterY / height, 0, 1), Math.Clamp(t.Box.W / width, 0, 1), Math.Clamp(t.Box.H / height, 0, 1)));
        }

        public void KeepCrop(Mat frame, BoxF box, float quality, TimeSpan position)
        {
            var rect = ImageEncoder.CropRect(box, frame.Cols, frame.Rows);
            if (rect.Width < 2 || rect.Height < 2) return;
            using var roi = new Mat(frame, rect);
            var scale = Math.Min(1.0, (double)CropMaxSide / Math.Max(rect.Width, rect.Height));
            Cv2.Resize(roi, BestCrop, new Size(Math.Max(1, (int)(rect.Width * scale)), Math.Max(1, (int)(rect.Height * scale))), 0, 0, InterpolationFlags.Area);
            BestQuality = quality;
            LastCropAt = position;
        }

        public void Dispose() => BestCrop.Dispose();
    }
}
