using VideoAnalytics.Vision.Imaging;

namespace VideoAnalytics.Vision.Detection;

/// <summary>Output layouts of YOLO-family detectors.</summary>
public enum YoloFormat
{
    /// <summary>YOLOX without decoder: <c>[1, rows, 5+C]</c>, rows = grid cells of strides 8/16/32, <c>tx,ty,tw,th,obj,classes</c> (sigmoided).</summary>
    Yolox,

    /// <summary>Ultralytics YOLOv8: <c>[1, 4+C, N]</c>, <c>cx,cy,w,h</c> in canvas pixels then class scores, no objectness.</summary>
    Yolov8,
}

/// <summary>
/// Turns a raw YOLO output tensor into frame-space detections: decoding, score threshold, class filter and
/// per-class NMS. Reuses its buffers; one instance per detector, not thread-safe.
/// </summary>
public sealed class YoloOutputDecoder
{
    private static readonly int[] YoloxStrides = [8, 16, 32];
    private static readonly Comparison<Detection> ByScoreDescending = (a, b) => b.Score.CompareTo(a.Score);

    private readonly YoloFormat _format;
    private readonly int _classCount;
    private readonly int _rows;
    private readonly bool[] _allowed;
    private readonly float _scoreThreshold;
    private readonly float _nmsIoU;
    private readonly int _maxDetections;
    private readonly float[] _gridX = [];
    private readonly float[] _gridY = [];
    private readonly float[] _stride = [];
    private readonly List<Detection> _candidates = new(1024);

    /// <param name="allowedClasses">Per class id, whether to keep it; null keeps all.</param>
    public YoloOutputDecoder(YoloFormat format, int inputWidth, int inputHeight, int classCount, int rows,
        bool[]? allowedClasses, float scoreThreshold, float nmsIoU, int maxDetections)
    {
        if (classCount <= 0) throw new ArgumentOutOfRangeException(nameof(classCount), "a detector needs at least one class");
        if (allowedClasses is not null && allowedClasses.Length != classCount) throw new ArgumentException("allowedClasses must have one entry per class", nameof(allowedClasses));
        _format = format;
        _classCount = classCount;
        _rows = rows;
        _allowed = allowedClasses ?? Enumerable.Repeat(true, classCount).ToArray();
        _scoreThreshold = scoreThreshold;
        _nmsIoU = nmsIoU;
        _maxDetections = maxDetections;
        if (format == YoloFormat.Yolox)
        {
            var expected = 0;
            foreach (var s in YoloxStrides) expected += (inputWidth / s) * (inputHeight / s);
            if (expected != rows) throw new ArgumentException($"YOLOX output has {rows} rows but a {inputWidth}x{inputHeight} input with strides 8/16/32 gives {expected}");
            _gridX = new float[rows];
            _gridY = new float[rows];
            _stride = new float[rows];
            var i = 0;
            foreach (var s in YoloxStrides)
            {
                int gw = inputWidth / s, gh = inputHeight / s;
                for (var y = 0; y < gh; y++)
                {
                    for (var x = 0; x < gw; x++, i++)
                    {
                        _gridX[i] = x;
                        _gridY[i] = y;
                        _stride[i] = s;
                    }
                }
            }
        }
    }

    /// <summary>Floats the raw output must hold.</summary>
    public int OutputLength => _format == YoloFormat.Yolox ? _rows * (5 + _classCount) : _rows * (4 + _classCount);

    /// <summary>Clears <paramref name="output"/> and fills it with the kept detections, best first.</summary>
    public void Decode(ReadOnlySpan<float> raw, in LetterboxTransform transform, List<Detection> output)
    {
        if (raw.Length < OutputLength) throw new ArgumentException($"output has {raw.Length} floats, expected {OutputLength}", nameof(raw));
        _candidates.Clear();
        if (_format == YoloFormat.Yolox) CollectYolox(raw, transform);
        else CollectYolov8(raw, transform);
        _candidates.Sort(ByScoreDescending);
        SuppressPerClass(output);
    }

    private void CollectYolox(ReadOnlySpan<float> raw, in LetterboxTransform t)
    {
        var width = 5 + _classCount;
        for (var i = 0; i < _rows; i++)
        {
            var row = raw.Slice(i * width, width);
            var objectness = row[4];
            if (objectness < _scoreThreshold) continue; // score = objectness * class score <= objectness
            var best = -1;
            var bestScore = 0f;
            for (var c = 0; c < _classCount; c++)
            {
                if (!_allowed[c]) continue;
                var s = row[5 + c];
                if (s > bestScore) { bestScore = s; best = c; }
            }
            var score = objectness * bestScore;
            if (best < 0 || score < _scoreThreshold) continue;
            var stride = _stride[i];
            var cx = (row[0] + _gridX[i]) * stride;
            var cy = (row[1] + _gridY[i]) * stride;
            var w = MathF.Exp(row[2]) * stride;
            var h = MathF.Exp(row[3]) * stride;
            AddCandidate(t.ToFrame(cx, cy, w, h), best, score);
        }
    }

    private void CollectYolov8(ReadOnlySpan<float> raw, in LetterboxTransform t)
    {
        var n = _rows;
        for (var i = 0; i < n; i++)
        {
            var best = -1;
            var bestScore = _scoreThreshold;
            for (var c = 0; c < _classCount; c++)
            {
                if (!_allowed[c]) continue;
                var s = raw[(4 + c) * n + i];
                if (s >= bestScore) { bestScore = s; best = c; }
            }
            if (best < 0) continue;
            AddCandidate(t.ToFrame(raw[i], raw[n + i], raw[2 * n + i], raw[3 * n + i]), best, bestScore);
        }
    }

    private void AddCandidate(BoxF box, int classId, float score)
    {
        if (box.W < 1 || box.H < 1) return; // fully outside the frame after clipping
        _candidates.Add(new Detection(box, classId, score));
    }

    private void SuppressPerClass(List<Detection> output)
    {
        output.Clear();
        for (var i = 0; i < _candidates.Count && output.Count < _maxDetections; i++)
        {
            var candidate = _candidates[i];
            var keep = true;
            for (var k = 0; k < output.Count; k++)
            {
                var kept = output[k];
                if (kept.ClassId == candidate.ClassId && BoxF.IoU(kept.Box, candidate.Box) > _nmsIoU) { keep = false; break; }
            }
            if (keep) output.Add(candidate);
        }
    }
}
