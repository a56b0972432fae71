using System.Diagnostics;
using OpenCvSharp;
using VideoAnalytics.Vision.Imaging;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Vision.Detection;

/// <summary>
/// A YOLO-family detector driven by its manifest (<c>format</c>: <c>yolox</c> or <c>yolov8</c>; input size, colour
/// order, scale/mean/std, letterbox mode, labels, thresholds). Per frame it letterboxes into one reused canvas, writes
/// one reused input tensor and runs into one reused output tensor: no per-frame allocations beyond ONNX Runtime's own.
/// Not thread-safe: one instance per analysis thread.
/// </summary>
public sealed class YoloDetector : IObjectDetector
{
    private readonly ModelSession _model;
    private readonly bool _ownsModel;
    private readonly LetterboxCanvas _canvas;
    private readonly ImageTensorWriter _writer;
    private readonly YoloOutputDecoder _decoder;
    private readonly BoundTensors _tensors;
    private DetectorPhaseTimes _phases;

    /// <param name="model">A session from <see cref="OnnxSessionFactory"/>; disposed with the detector when <paramref name="ownsModel"/>.</param>
    public YoloDetector(ModelSession model, YoloDetectorOptions? options = null, bool ownsModel = true)
    {
        options ??= new YoloDetectorOptions();
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join("; ", errors), nameof(options));
        _model = model;
        var manifest = model.Manifest;
        var where = $"detector '{manifest.Name}' (manifest '{model.Package.ManifestPath}')";
        var format = manifest.Format?.ToLowerInvariant() switch
        {
            "yolox" => YoloFormat.Yolox,
            "yolov8" => YoloFormat.Yolov8,
            _ => throw new ModelLoadException($"{where} has format '{manifest.Format}'; expected yolox or yolov8"),
        };
        var input = model.Input;
        if (input.Layout != "nchw") throw new ModelLoadException($"{where}: detectors take nchw input, manifest says {input.Layout}");
        if (input.Resize is not ("letterbox" or "letterbox-center")) throw new ModelLoadException($"{where}: detectors need input resize letterbox or letterbox-center, manifest says {input.Resize}");
        if (manifest.Labels.Count == 0) throw new ModelLoadException($"{where} lists no labels");
        Labels = manifest.Labels;
        ModelName = manifest.Name;

        var outputName = manifest.Outputs.Count > 0 ? manifest.Outputs[0].Name : model.Session.OutputNames[0];
        var dims = (int[])model.Session.OutputMetadata[outputName].Dimensions.Clone();
        if (dims.Length != 3) throw new ModelLoadException($"{where}: output '{outputName}' has rank {dims.Length}, expected 3");
        dims[0] = 1;
        if (manifest.Outputs.Count > 0 && manifest.Outputs[0].Shape is { Length: 3 } declared)
        {
            for (var i = 1; i < 3; i++) if (dims[i] <= 0) dims[i] = declared[i];
        }
        if (dims[1] <= 0 || dims[2] <= 0) throw new ModelLoadException($"{where}: output '{outputName}' has dynamic size {ModelSignatureCheck.Format(dims)}; declare its shape in the manifest");
        var classCount = format == YoloFormat.Yolox ? dims[2] - 5 : dims[1] - 4;
        var rows = format == YoloFormat.Yolox ? dims[1] : dims[2];
        if (classCount != Labels.Count) throw new ModelLoadException($"{where}: output {ModelSignatureCheck.Format(dims)} has {classCount} classes but the manifest lists {Labels.Count} labels");

        var allowed = new bool[classCount];
        if (options.Classes.Count == 0) Array.Fill(allowed, true);
        foreach (var name in options.Classes)
        {
            var index = IndexOf(Labels, name);
            if (index < 0) throw new ArgumentException($"{YoloDetectorOptions.SectionName}:Classes has '{name}', which {where} does not know");
            allowed[index] = true;
        }
        var score = options.ScoreThreshold ?? Threshold(manifest.Thresholds, "score", 0.3f);
        var nms = options.NmsIoU ?? Threshold(manifest.Thresholds, "nms_iou", 0.45f);
        _decoder = new YoloOutputDecoder(format, input.Width, input.Height, classCount, rows, allowed, score, nms, options.MaxDetections);

        _canvas = new LetterboxCanvas(input.Width, input.Height, input.Resize, input.PadValue);
        _writer = new ImageTensorWriter(input);
        _tensors = new BoundTensors(model.Session, input.Name, [1, 3, input.Height, input.Width], outputName, [dims[0], dims[1], dims[2]]);
        _ownsModel = ownsModel;
    }

    public string ModelName { get; }

    public IReadOnlyList<string> Labels { get; }

    /// <summary>The execution providers the session runs on (CPU last).</summary>
    public IReadOnlyList<ExecutionProvider> Providers => _model.Providers;

    /// <summary>Where <see cref="Detect"/>'s time has gone since the detector was made (for benchmarks; four clock reads a frame).</summary>
    public DetectorPhaseTimes PhaseTimes => _phases;

    public void Detect(Mat bgrFrame, List<Detection> output)
    {
        FrameGuard.RequireBgr(bgrFrame, nameof(bgrFrame));
        var t0 = Stopwatch.GetTimestamp();
        var transform = _canvas.Place(bgrFrame);
        _writer.Write(_canvas.Canvas, _tensors.Input);
        var t1 = Stopwatch.GetTimestamp();
        _tensors.Run();
        var t2 = Stopwatch.GetTimestamp();
        _decoder.Decode(_tensors.Output, transform, output);
        _phases = new DetectorPhaseTimes(_phases.Frames + 1, _phases.PreprocessTicks + (t1 - t0), _phases.InferenceTicks + (t2 - t1),
            _phases.DecodeTicks + (Stopwatch.GetTimestamp() - t2));
    }

    public void Dispose()
    {
        _tensors.Dispose();
        _canvas.Dispose();
        if (_ownsModel) _model.Dispose();
    }

    private static int IndexOf(IReadOnlyList<string> labels, string name)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (string.Equals(labels[i], name, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }

    private static float Threshold(IReadOnlyDictionary<string, double> thresholds, string key, float fallback) =>
        thresholds.TryGetValue(key, out var v) ? (float)v : fallback;
}

/// <summary>
/// Cumulative time of a detector's phases in <see cref="Stopwatch"/> ticks: letterbox and tensor fill, the model's
/// run, and output decoding with class filter and NMS.
/// </summary>
public readonly record struct DetectorPhaseTimes(long Frames, long PreprocessTicks, long InferenceTicks, long DecodeTicks)
{
    public double MeanMilliseconds(long ticks) => Frames == 0 ? 0 : ticks * 1000.0 / Stopwatch.Frequency / Frames;
}
