using System.Diagnostics;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Vision.Gating;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Edge.Models;

/// <summary>A verified package that could not be loaded or failed its self-test; the message is what the device reports.</summary>
public sealed class ModelActivationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A loaded model the pipeline can use: its manifest, its folder and the loaded instance.</summary>
public sealed class ActiveModel(ModelManifest manifest, string directory, IDisposable instance) : IDisposable
{
    public ModelManifest Manifest { get; } = manifest;
    public string Directory { get; } = directory;
    public IDisposable Instance { get; } = instance;

    public T As<T>() where T : class => Instance as T
        ?? throw new InvalidOperationException($"model {Manifest.Name} is a {Instance.GetType().Name}, not a {typeof(T).Name}");

    public void Dispose() => Instance.Dispose();
}

/// <summary>Loads a verified package of some kinds into a usable instance and checks it on a known input.</summary>
public interface IModelActivator
{
    bool Handles(ModelKind kind);

    /// <summary>Loads and self-tests; throws <see cref="ModelActivationException"/> saying why it refuses.</summary>
    Task<IDisposable> ActivateAsync(string directory, ModelManifest manifest, CancellationToken ct);
}

/// <summary>
/// Detectors, encoders and pose models: an ONNX Runtime session from <see cref="OnnxSessionFactory"/> (which checks
/// input/output names and shapes against the manifest), then one inference on a known frame: every output must have
/// the manifest's shape, hold no NaN or infinity, and come back within <c>Edge:Models:SelfTestMaxLatencyMs</c>.
/// </summary>
public sealed class OnnxModelActivator(OnnxSessionFactory factory, IOptions<ModelManagerOptions> options) : IModelActivator
{
    public bool Handles(ModelKind kind) => kind is ModelKind.Detector or ModelKind.Encoder or ModelKind.Pose;

    public Task<IDisposable> ActivateAsync(string directory, ModelManifest manifest, CancellationToken ct) => Task.Run<IDisposable>(() =>
    {
        ModelSession session;
        try
        {
            session = factory.Create(ModelPackageLoader.Load(Path.Combine(directory, ModelPackageFiles.Manifest)));
        }
        catch (ModelLoadException e)
        {
            throw new ModelActivationException(e.Message, e);
        }
        try
        {
            SelfTest(session);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }, ct);

    private void SelfTest(ModelSession model)
    {
        var input = model.Input;
        var meta = model.Session.InputMetadata[input.Name];
        var dims = meta.Dimensions.Select(d => d > 0 ? d : 1).ToArray();
        var nhwc = input.Layout == "nhwc";
        dims[nhwc ? 1 : 2] = input.Height;
        dims[nhwc ? 2 : 3] = input.Width;
        var tensor = new DenseTensor<float>(KnownFrame(input, nhwc, dims[0]), dims);
        using var inputs = DisposableList(NamedOnnxValue.CreateFromTensor(input.Name, tensor));
        var clock = Stopwatch.StartNew();
        using var first = model.Session.Run(inputs.Items);
        clock.Stop();
        var limit = options.Value.SelfTestMaxLatencyMs;
        if (clock.ElapsedMilliseconds > limit)
        {
            // The first run includes one-off graph preparation: measure again before refusing.
            clock.Restart();
            using var again = model.Session.Run(inputs.Items);
            clock.Stop();
            if (clock.ElapsedMilliseconds > limit)
                throw new ModelActivationException($"self-test: {model.Manifest.Name} took {clock.ElapsedMilliseconds} ms on the known frame, over Edge:Models:SelfTestMaxLatencyMs={limit}");
        }
        foreach (var output in first)
        {
            var values = output.AsTensor<float>();
            var declared = model.Manifest.Outputs.FirstOrDefault(o => o.Name == output.Name)?.Shape;
            var shape = values.Dimensions.ToArray();
            if (declared is not null && (declared.Length != shape.Length || declared.Where((d, i) => d > 0 && i > 0 && d != shape[i]).Any()))
                throw new ModelActivationException($"self-test: output '{output.Name}' has shape [{string.Join(",", shape)}], manifest says [{string.Join(",", declared)}]");
            foreach (var v in values)
            {
                if (!float.IsFinite(v)) throw new ModelActivationException($"self-test: output '{output.Name}' holds NaN or infinity on the known frame");
            }
        }
    }

    /// <summary>The known frame: the configured image, or a fixed gradient, normalised as the manifest says.</summary>
    private float[] KnownFrame(ModelInput input, bool nhwc, int batch)
    {
        using var image = options.Value.SelfTestImage is { Length: > 0 } path ? Cv2.ImRead(path, ImreadModes.Color) : Gradient(input.Width, input.Height);
        using var resized = image.Resize(new Size(input.Width, input.Height));
        var plane = input.Width * input.Height;
        var data = new float[batch * plane * 3];
        for (var y = 0; y < input.Height; y++)
        {
            for (var x = 0; x < input.Width; x++)
            {
                var bgr = resized.At<Vec3b>(y, x);
                for (var c = 0; c < 3; c++)
                {
                    var raw = input.ColorOrder == "bgr" ? bgr[c] : bgr[2 - c];
                    var value = raw * input.Scale;
                    if (input.Mean is { } mean) value -= mean[c];
                    if (input.Std is { } std) value /= std[c];
                    data[nhwc ? (y * input.Width + x) * 3 + c : c * plane + y * input.Width + x] = (float)value;
                }
            }
        }
        for (var b = 1; b < batch; b++) Array.Copy(data, 0, data, b * plane * 3, plane * 3);
        return data;
    }

    private static Mat Gradient(int width, int height)
    {
        var m = new Mat(height, width, MatType.CV_8UC3);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                m.Set(y, x, new Vec3b((byte)(x * 255 / width), (byte)(y * 255 / height), 114));
        return m;
    }

    private static DisposableValues DisposableList(params NamedOnnxValue[] items) => new(items);

    private sealed class DisposableValues(NamedOnnxValue[] items) : IDisposable
    {
        public NamedOnnxValue[] Items { get; } = items;

        public void Dispose()
        {
            foreach (var i in Items) (i as IDisposable)?.Dispose();
        }
    }
}

/// <summary>
/// Gate heads: the package's heads file (<see cref="GateModel"/>, <c>va.gate.v1</c>) read and validated, then scored
/// once on the model's own feature means, which must give a finite score.
/// </summary>
public sealed class GateHeadsActivator : IModelActivator
{
    public const string FileName = "heads.json";

    public bool Handles(ModelKind kind) => kind == ModelKind.Heads;

    public Task<IDisposable> ActivateAsync(string directory, ModelManifest manifest, CancellationToken ct)
    {
        var file = manifest.Files.FirstOrDefault(f => f.Path == FileName) ?? manifest.Files.FirstOrDefault(f => f.Path.EndsWith(".json", StringComparison.Ordinal))
            ?? throw new ModelActivationException($"heads package {manifest.Name}@{manifest.Version} has no {FileName}");
        GateModel gate;
        try
        {
            gate = GateModel.Load(Path.Combine(directory, file.Path));
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new ModelActivationException(e.Message, e);
        }
        if (!double.IsFinite(gate.Score(gate.Mean))) throw new ModelActivationException($"self-test: gate '{gate.Rule}' scores NaN on its feature means");
        return Task.FromResult<IDisposable>(new LoadedGateHeads(gate));
    }
}

/// <summary>Heads as the gate uses them; nothing native to release.</summary>
public sealed class LoadedGateHeads(GateModel gate) : IDisposable
{
    public GateModel Gate { get; } = gate;

    public void Dispose() { }
}
