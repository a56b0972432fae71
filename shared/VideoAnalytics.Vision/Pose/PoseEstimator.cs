using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Imaging;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Vision.Pose;

/// <summary>One body keypoint in frame pixels with its heatmap confidence (0..1).</summary>
public readonly record struct Keypoint(float X, float Y, float Score);

/// <summary>
/// Top-down pose estimator for heatmap models such as Ultralight-SimplePose (manifest <c>kind: pose</c>, labels =
/// keypoint names): the person box is widened to the model's aspect and scaled by the manifest's <c>box_scale</c>,
/// warped into one reused input (zero outside the frame), and each heatmap's argmax is mapped back to the frame.
/// Not thread-safe.
/// </summary>
public sealed class PoseEstimator : IDisposable
{
    private readonly ModelSession _model;
    private readonly bool _ownsModel;
    private readonly ImageTensorWriter _writer;
    private readonly Mat _crop;
    private readonly Mat _affine = new(2, 3, MatType.CV_64FC1);
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly OrtValue _inputValue;
    private readonly OrtValue _outputValue;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();
    private readonly int _heatmapWidth;
    private readonly int _heatmapHeight;
    private readonly float _boxScale;

    public PoseEstimator(ModelSession model, bool ownsModel = true)
    {
        _model = model;
        var manifest = model.Manifest;
        var where = $"pose model '{manifest.Name}' (manifest '{model.Package.ManifestPath}')";
        var input = model.Input;
        var outputName = manifest.Outputs.Count > 0 ? manifest.Outputs[0].Name : model.Session.OutputNames[0];
        var dims = model.Session.OutputMetadata[outputName].Dimensions;
        if (dims.Length != 4 || dims[1] <= 0 || dims[2] <= 0 || dims[3] <= 0) throw new ModelLoadException($"{where}: output '{outputName}' must be fixed [1,K,H,W] heatmaps, is {ModelSignatureCheck.Format(dims)}");
        if (manifest.Labels.Count != dims[1]) throw new ModelLoadException($"{where}: {dims[1]} heatmaps but {manifest.Labels.Count} keypoint labels");
        KeypointNames = manifest.Labels;
        _heatmapHeight = dims[2];
        _heatmapWidth = dims[3];
        _boxScale = manifest.Thresholds.TryGetValue("box_scale", out var s) ? (float)s : 1.25f;
        MinScore = manifest.Thresholds.TryGetValue("keypoint", out var k) ? (float)k : 0.2f;
        _writer = new ImageTensorWriter(input);
        _crop = new Mat(input.Height, input.Width, MatType.CV_8UC3);
        _input = new float[_writer.ImageLength];
        _output = new float[dims[1] * _heatmapHeight * _heatmapWidth];
        long[] inputShape = input.Layout == "nhwc" ? [1, input.Height, input.Width, 3] : [1, 3, input.Height, input.Width];
        _inputValue = OrtValue.CreateTensorValueFromMemory(_input, inputShape);
        _outputValue = OrtValue.CreateTensorValueFromMemory(_output, [1, dims[1], _heatmapHeight, _heatmapWidth]);
        _binding = model.Session.CreateIoBinding();
        _binding.BindInput(input.Name, _inputValue);
        _binding.BindOutput(outputName, _outputValue);
        _ownsModel = ownsModel;
    }

    /// <summary>Keypoint names in output order (COCO: nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles).</summary>
    public IReadOnlyList<string> KeypointNames { get; }

    /// <summary>Confidence under which a keypoint should be treated as not visible (manifest threshold <c>keypoint</c>).</summary>
    public float MinScore { get; }

    /// <summary>Fills <paramref name="keypoints"/> (length ≥ <see cref="KeypointNames"/>.Count) for the person in <paramref name="person"/>.</summary>
    public void Estimate(Mat bgrFrame, BoxF person, Span<Keypoint> keypoints)
    {
        ArgumentNullException.ThrowIfNull(bgrFrame);
        if (bgrFrame.Empty() || bgrFrame.Type() != MatType.CV_8UC3) throw new ArgumentException("frame must be a non-empty CV_8UC3 BGR image", nameof(bgrFrame));
        var count = KeypointNames.Count;
        if (keypoints.Length < count) throw new ArgumentException($"keypoints holds {keypoints.Length}, the model gives {count}", nameof(keypoints));

        // Widen the box to the model's aspect, then scale it, keeping its centre.
        var aspect = (float)_writer.Width / _writer.Height;
        float w = Math.Max(person.W, 1), h = Math.Max(person.H, 1);
        if (w > aspect * h) h = w / aspect; else w = h * aspect;
        w *= _boxScale;
        h *= _boxScale;
        var x0 = person.CenterX - w / 2;
        var y0 = person.CenterY - h / 2;
        var scale = _writer.Width / w;
        _affine.Set(0, 0, (double)scale); _affine.Set(0, 1, 0.0); _affine.Set(0, 2, (double)(-x0 * scale));
        _affine.Set(1, 0, 0.0); _affine.Set(1, 1, (double)scale); _affine.Set(1, 2, (double)(-y0 * scale));
        Cv2.WarpAffine(bgrFrame, _crop, _affine, _crop.Size(), InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        _writer.Write(_crop, _input);
        _model.Session.RunWithBinding(_runOptions, _binding);

        var plane = _heatmapWidth * _heatmapHeight;
        var strideX = (float)_writer.Width / _heatmapWidth;
        var strideY = (float)_writer.Height / _heatmapHeight;
        for (var k = 0; k < count; k++)
        {
            var map = _output.AsSpan(k * plane, plane);
            var best = 0;
            for (var i = 1; i < plane; i++) if (map[i] > map[best]) best = i;
            var cx = (best % _heatmapWidth + 0.5f) * strideX;
            var cy = (best / _heatmapWidth + 0.5f) * strideY;
            keypoints[k] = new Keypoint(x0 + cx / scale, y0 + cy / scale, Math.Clamp(map[best], 0, 1));
        }
    }

    public void Dispose()
    {
        _binding.Dispose();
        _inputValue.Dispose();
        _outputValue.Dispose();
        _runOptions.Dispose();
        _crop.Dispose();
        _affine.Dispose();
        if (_ownsModel) _model.Dispose();
    }
}
