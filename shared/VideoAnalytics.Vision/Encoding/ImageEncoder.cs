using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Imaging;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Vision.Encoding;

/// <summary>Encoder settings (configuration section <c>Encoder</c>).</summary>
public sealed class ImageEncoderOptions
{
    public const string SectionName = "Encoder";

    /// <summary>Most crops per inference when the model has a dynamic batch; fixed-batch models use their own.</summary>
    public int MaxBatch { get; set; } = 8;

    public IReadOnlyList<string> Validate() =>
        MaxBatch is < 1 or > 256 ? [$"{SectionName}:MaxBatch must be 1-256, not {MaxBatch}"] : [];
}

/// <summary>
/// Image encoder driven by its manifest: input size, layout (NCHW/NHWC), colour order, scale/mean/std, output name,
/// embedding size, and pooling in <c>format</c> (<c>flat</c> = output is [N,E]; <c>gap</c> = average of an
/// [N,E,H,W] map; <c>cls</c> / <c>mean</c> = first token / mean of an [N,T,E] sequence), optionally
/// <c>+l2</c> to L2-normalise. Runs on person crops (batched when the model's batch is dynamic) and on whole frames.
/// Input and output buffers and their tensors are created once and reused. Not thread-safe.
/// </summary>
public sealed class ImageEncoder : IDisposable
{
    private readonly ModelSession _model;
    private readonly bool _ownsModel;
    private readonly ImageTensorWriter _writer;
    private readonly LetterboxCanvas? _letterbox;
    private readonly Mat _resized;
    private readonly EncoderPooling _pooling;
    private readonly bool _normalize;
    private readonly int[] _outputDims;
    private readonly int _outputPerImage;
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly OrtValue?[] _inputValues;
    private readonly OrtValue?[] _outputValues;
    private readonly string _inputName;
    private readonly string _outputName;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();
    private int _boundBatch;
    private readonly long[] _inputShape;

    public ImageEncoder(ModelSession model, ImageEncoderOptions? options = null, bool ownsModel = true)
    {
        options ??= new ImageEncoderOptions();
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join("; ", errors), nameof(options));
        _model = model;
        var manifest = model.Manifest;
        var where = $"encoder '{manifest.Name}' (manifest '{model.Package.ManifestPath}')";
        var input = model.Input;
        (_pooling, _normalize) = ParseFormat(manifest.Format, where);

        var inputDims = model.Session.InputMetadata[input.Name].Dimensions;
        MaxBatch = inputDims[0] > 0 ? inputDims[0] : options.MaxBatch;
        FixedBatch = inputDims[0] > 0;
        var outputName = manifest.Outputs.Count > 0 ? manifest.Outputs[0].Name : model.Session.OutputNames[0];
        _outputDims = (int[])model.Session.OutputMetadata[outputName].Dimensions.Clone();
        var expectedRank = _pooling switch { EncoderPooling.Flat => 2, EncoderPooling.GlobalAverage => 4, _ => 3 };
        if (_outputDims.Length != expectedRank) throw new ModelLoadException($"{where}: output '{outputName}' has rank {_outputDims.Length}, but format '{manifest.Format}' needs rank {expectedRank}");
        for (var i = 1; i < _outputDims.Length; i++)
        {
            if (_outputDims[i] <= 0) throw new ModelLoadException($"{where}: output '{outputName}' has a dynamic dimension {i}; only the batch may be dynamic");
        }
        var modelEmbedding = _pooling switch { EncoderPooling.Flat => _outputDims[1], EncoderPooling.GlobalAverage => _outputDims[1], _ => _outputDims[2] };
        if (manifest.EmbeddingSize is { } declared && declared != modelEmbedding)
        {
            throw new ModelLoadException($"{where}: model produces {modelEmbedding}-d embeddings but the manifest says embeddingSize {declared}");
        }
        EmbeddingSize = modelEmbedding;
        _outputPerImage = 1;
        for (var i = 1; i < _outputDims.Length; i++) _outputPerImage *= _outputDims[i];

        _writer = new ImageTensorWriter(input);
        if (input.Resize is "letterbox" or "letterbox-center") _letterbox = new LetterboxCanvas(input.Width, input.Height, input.Resize, input.PadValue);
        _resized = new Mat(input.Height, input.Width, MatType.CV_8UC3);
        _input = new float[MaxBatch * _writer.ImageLength];
        _output = new float[MaxBatch * _outputPerImage];
        _inputValues = new OrtValue?[MaxBatch];
        _outputValues = new OrtValue?[MaxBatch];
        _inputShape = input.Layout == "nhwc" ? [1, input.Height, input.Width, 3] : [1, 3, input.Height, input.Width];
        _inputName = input.Name;
        _outputName = outputName;
        _binding = model.Session.CreateIoBinding();
        ModelName = manifest.Name;
        _ownsModel = ownsModel;
    }

    public string ModelName { get; }

    /// <summary>Floats per embedding.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Crops per inference.</summary>
    public int MaxBatch { get; }

    /// <summary>The model's batch is fixed (e.g. OMZ-0287: 1), so crops are encoded <see cref="MaxBatch"/> at a time.</summary>
    public bool FixedBatch { get; }

    /// <summary>Inferences run so far (a batch of crops is one).</summary>
    public long Inferences { get; private set; }

    /// <summary>
    /// Encodes the crops of <paramref name="bgrFrame"/> under <paramref name="boxes"/> (clipped to the frame) into
    /// <paramref name="embeddings"/>: embedding i at <c>[i*EmbeddingSize, (i+1)*EmbeddingSize)</c>.
    /// </summary>
    public void EncodeCrops(Mat bgrFrame, ReadOnlySpan<BoxF> boxes, Span<float> embeddings)
    {
        FrameGuard.RequireBgr(bgrFrame, nameof(bgrFrame));
        if (embeddings.Length < boxes.Length * EmbeddingSize) throw new ArgumentException($"embeddings holds {embeddings.Length} floats, {boxes.Length} crops need {boxes.Length * EmbeddingSize}", nameof(embeddings));
        for (var start = 0; start < boxes.Length; start += MaxBatch)
        {
            var count = Math.Min(MaxBatch, boxes.Length - start);
            for (var i = 0; i < count; i++)
            {
                using var crop = new Mat(bgrFrame, CropRect(boxes[start + i], bgrFrame.Width, bgrFrame.Height));
                WriteImage(crop, i);
            }
            Run(count, embeddings.Slice(start * EmbeddingSize, count * EmbeddingSize));
        }
    }

    /// <summary>Encodes the whole frame (resized as the manifest says) into <paramref name="embedding"/>.</summary>
    public void EncodeFrame(Mat bgrFrame, Span<float> embedding)
    {
        FrameGuard.RequireBgr(bgrFrame, nameof(bgrFrame));
        if (embedding.Length < EmbeddingSize) throw new ArgumentException($"embedding holds {embedding.Length} floats, needs {EmbeddingSize}", nameof(embedding));
        WriteImage(bgrFrame, 0);
        Run(1, embedding[..EmbeddingSize]);
    }

    /// <summary>Cosine similarity of two embeddings (1 = same direction).</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("embeddings differ in length");
        var dot = TensorPrimitives.Dot(a, b);
        var norm = TensorPrimitives.Norm(a) * TensorPrimitives.Norm(b);
        return norm <= 0 ? 0 : dot / norm;
    }

    /// <summary>The integer crop of <paramref name="box"/> inside a frame, at least one pixel.</summary>
    public static Rect CropRect(BoxF box, int frameWidth, int frameHeight)
    {
        var x1 = Math.Clamp((int)MathF.Floor(box.X), 0, frameWidth - 1);
        var y1 = Math.Clamp((int)MathF.Floor(box.Y), 0, frameHeight - 1);
        var x2 = Math.Clamp((int)MathF.Ceiling(box.Right), x1 + 1, frameWidth);
        var y2 = Math.Clamp((int)MathF.Ceiling(box.Bottom), y1 + 1, frameHeight);
        return new Rect(x1, y1, x2 - x1, y2 - y1);
    }

    private void WriteImage(Mat image, int slot)
    {
        Mat sized;
        if (_letterbox is not null)
        {
            _letterbox.Place(image);
            sized = _letterbox.Canvas;
        }
        else
        {
            Cv2.Resize(image, _resized, _resized.Size(), 0, 0, InterpolationFlags.Linear);
            sized = _resized;
        }
        _writer.Write(sized, _input.AsSpan(slot * _writer.ImageLength, _writer.ImageLength));
    }

    private void Run(int count, Span<float> destination)
    {
        if (FixedBatch) count = MaxBatch; // a fixed-batch model always runs its full batch; only the first slots are read
        Inferences++;
        if (_boundBatch != count)
        {
            // One tensor pair per batch size, all views of the same buffers; rebinding only when the size changes.
            _binding.BindInput(_inputName, _inputValues[count - 1] ??= CreateInput(count));
            _binding.BindOutput(_outputName, _outputValues[count - 1] ??= CreateOutput(count));
            _boundBatch = count;
        }
        _model.Session.RunWithBinding(_runOptions, _binding);
        var written = destination.Length / EmbeddingSize;
        for (var i = 0; i < written; i++) Pool(_output.AsSpan(i * _outputPerImage, _outputPerImage), destination.Slice(i * EmbeddingSize, EmbeddingSize));
    }

    private OrtValue CreateInput(int batch)
    {
        var shape = (long[])_inputShape.Clone();
        shape[0] = batch;
        return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(_input, 0, batch * _writer.ImageLength), shape);
    }

    private OrtValue CreateOutput(int batch)
    {
        var shape = new long[_outputDims.Length];
        shape[0] = batch;
        for (var i = 1; i < shape.Length; i++) shape[i] = _outputDims[i];
        return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(_output, 0, batch * _outputPerImage), shape);
    }

    private void Pool(ReadOnlySpan<float> raw, Span<float> embedding)
    {
        var e = EmbeddingSize;
        switch (_pooling)
        {
            case EncoderPooling.Flat:
                raw[..e].CopyTo(embedding);
                break;
            case EncoderPooling.GlobalAverage:
            {
                var area = raw.Length / e;
                for (var c = 0; c < e; c++) embedding[c] = TensorPrimitives.Sum(raw.Slice(c * area, area)) / area;
                break;
            }
            case EncoderPooling.FirstToken:
                raw[..e].CopyTo(embedding);
                break;
            case EncoderPooling.MeanTokens:
            {
                var tokens = raw.Length / e;
                embedding.Clear();
                for (var t = 0; t < tokens; t++) TensorPrimitives.Add(embedding, raw.Slice(t * e, e), embedding);
                TensorPrimitives.Divide(embedding, tokens, embedding);
                break;
            }
        }
        if (_normalize)
        {
            var norm = TensorPrimitives.Norm(embedding);
            if (norm > 0) TensorPrimitives.Divide(embedding, norm, embedding);
        }
    }

    private static (EncoderPooling Pooling, bool Normalize) ParseFormat(string? format, string where)
    {
        var parts = (format ?? "flat").ToLowerInvariant().Split('+');
        EncoderPooling pooling = parts[0] switch
        {
            "flat" => EncoderPooling.Flat,
            "gap" => EncoderPooling.GlobalAverage,
            "cls" => EncoderPooling.FirstToken,
            "mean" => EncoderPooling.MeanTokens,
            _ => throw new ModelLoadException($"{where} has format '{format}'; expected flat, gap, cls or mean, optionally +l2"),
        };
        var normalize = false;
        for (var i = 1; i < parts.Length; i++)
        {
            if (parts[i] == "l2") normalize = true;
            else throw new ModelLoadException($"{where} has format '{format}'; '{parts[i]}' is not a known option (l2)");
        }
        return (pooling, normalize);
    }

    public void Dispose()
    {
        _binding.Dispose();
        foreach (var v in _inputValues) v?.Dispose();
        foreach (var v in _outputValues) v?.Dispose();
        _runOptions.Dispose();
        _letterbox?.Dispose();
        _resized.Dispose();
        if (_ownsModel) _model.Dispose();
    }

    private enum EncoderPooling
    {
        Flat,
        GlobalAverage,
        FirstToken,
        MeanTokens,
    }
}
