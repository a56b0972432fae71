using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Vision.Onnx;

/// <summary>
/// Creates <see cref="ModelSession"/>s: verifies the file against its manifest (existence, SHA-256), appends the
/// configured execution providers that this ONNX Runtime build has (warning about the others, falling back to CPU),
/// and checks the graph's input/output names and shapes against the manifest.
/// </summary>
public sealed class OnnxSessionFactory
{
    private const string TensorRtName = "TensorrtExecutionProvider";
    private const string CudaName = "CUDAExecutionProvider";

    private readonly OnnxRuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<ExecutionProvider> _providers;
    private readonly HashSet<string> _available;

    public OnnxSessionFactory(OnnxRuntimeOptions options, ILogger<OnnxSessionFactory>? logger = null)
    {
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join("; ", errors));
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _providers = options.Providers();
        _available = new HashSet<string>(OrtEnv.Instance().GetAvailableProviders(), StringComparer.Ordinal);
    }

    /// <summary>Execution providers compiled into the loaded native ONNX Runtime library.</summary>
    public IReadOnlyCollection<string> AvailableProviders => _available;

    public ModelSession Create(ModelPackage package)
    {
        var path = package.ModelPath;
        var name = package.Manifest.Name;
        if (!File.Exists(path)) throw new ModelLoadException($"model file '{path}' of '{name}' does not exist");
        if (_options.VerifySha256) package.VerifyFileHash();

        var chosen = new List<ExecutionProvider>();
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = _options.IntraOpThreads,
            InterOpNumThreads = _options.InterOpThreads,
        };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", _options.AllowSpinning ? "1" : "0");
        try
        {
            foreach (var provider in _providers)
            {
                if (provider == ExecutionProvider.Cpu) break;
                if (TryAppend(sessionOptions, provider, name)) chosen.Add(provider);
            }
            if (chosen.Count == 0 && _providers[0] != ExecutionProvider.Cpu)
            {
                _logger.LogWarning("Model {Model}: none of the configured execution providers ({Configured}) is available; running on CPU", name, _options.ExecutionProviders);
            }
            chosen.Add(ExecutionProvider.Cpu);

            InferenceSession session;
            try
            {
                session = new InferenceSession(path, sessionOptions);
            }
            catch (OnnxRuntimeException e)
            {
                throw new ModelLoadException($"model file '{path}' of '{name}' is not a loadable ONNX model: {e.Message}", e);
            }
            try
            {
                ModelSignatureCheck.Verify(package, session);
            }
            catch
            {
                session.Dispose();
                throw;
            }
            _logger.LogInformation("Model {Model} {Version} loaded from {Path} on {Providers}", name, package.Manifest.Version, path, string.Join(",", chosen));
            return new ModelSession(package, session, chosen);
        }
        finally
        {
            sessionOptions.Dispose();
        }
    }

    private bool TryAppend(SessionOptions sessionOptions, ExecutionProvider provider, string model)
    {
        var nativeName = provider == ExecutionProvider.TensorRt ? TensorRtName : CudaName;
        if (!_available.Contains(nativeName))
        {
            _logger.LogWarning("Model {Model}: execution provider {Provider} is not in this ONNX Runtime build (available: {Available}); falling back",
                model, nativeName, string.Join(",", _available));
            return false;
        }
        try
        {
            if (provider == ExecutionProvider.TensorRt) sessionOptions.AppendExecutionProvider_Tensorrt(_options.DeviceId);
            else sessionOptions.AppendExecutionProvider_CUDA(_options.DeviceId);
            return true;
        }
        catch (OnnxRuntimeException e)
        {
            // Present in the build but unusable here (no driver, no device): same fallback.
            _logger.LogWarning("Model {Model}: execution provider {Provider} failed to start ({Reason}); falling back", model, nativeName, e.Message);
            return false;
        }
    }
}

/// <summary>A loaded model: its session, its manifest and the execution providers it runs on.</summary>
public sealed class ModelSession(ModelPackage package, InferenceSession session, IReadOnlyList<ExecutionProvider> providers) : IDisposable
{
    public ModelPackage Package { get; } = package;
    public ModelManifest Manifest => Package.Manifest;
    public InferenceSession Session { get; } = session;

    /// <summary>Providers appended to the session, in priority order; always ends with CPU.</summary>
    public IReadOnlyList<ExecutionProvider> Providers { get; } = providers;

    /// <summary>The manifest's input, which a model run by this library must declare.</summary>
    public ModelInput Input => Manifest.Input ?? throw new ModelLoadException($"manifest '{Package.ManifestPath}' has no input");

    public void Dispose() => Session.Dispose();
}
