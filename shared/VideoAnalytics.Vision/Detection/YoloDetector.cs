using Microsoft.ML.OnnxRuntime;
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
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly OrtValue _inputValue;
    private readonly OrtValue _outputValue;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();

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

        _canvas = new LetterboxCanvas(input.Width, input.Height, input.Resize == "letterbox-center" ? "letterbox-center" : "letterbox", input.PadValue);
        _writer = new ImageTensorWriter(input);
        _input = new float[_writer.ImageLength];
        _output = new float[dims[0] * dims[1] * dims[2]];
        _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, 3, input.Height, input.Width]);
        _outputValue = OrtValue.CreateTensorValueFromMemory(_output, [dims[0], dims[1], dims[2]]);
        // Bound once: each run reads the input buffer and writes the output buffer in place.
        _binding = model.Session.CreateIoBinding();
        _binding.BindInput(input.Name, _inputValue);
        _binding.BindOutput(outputName, _outputValue);
        _ownsModel = ownsModel;
    }

    public string ModelName { get; }

    public IReadOnlyList<string> Labels { get; }

    /// <summary>The execution providers the session runs on (CPU last).</summary>
    public IReadOnlyList<ExecutionProvider> Providers => _model.Providers;

    public void Detect(Mat bgrFrame, List<Detection> output)
    {
        ArgumentNullException.ThrowIfNull(bgrFrame);
        if (bgrFrame.Empty() || bgrFrame.Type() != MatType.CV_8UC3) throw new ArgumentException($"frame must be a non-empty CV_8UC3 BGR image, got {bgrFrame.Type()} {bgrFrame.Cols}x{bgrFrame.Rows}", nameof(bgrFrame));
        var transform = _canvas.Place(bgrFrame);
        _writer.Write(_canvas.Canvas, _input);
        _model.Session.RunWithBinding(_runOptions, _binding);
        _decoder.Decode(_output, transform, output);
    }

    public void Dispose()
    {
        _binding.Dispose();
        _inputValue.Dispose();
        _outputValue.Dispose();
        _runOptions.Dispose();
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
