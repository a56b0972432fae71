using Microsoft.ML.OnnxRuntime;

namespace VideoAnalytics.Vision.Onnx;

/// <summary>
/// One reused float input buffer and one reused float output buffer, wrapped as tensors and bound to a session
/// once; each <see cref="Run"/> reads <see cref="Input"/> and writes <see cref="Output"/> in place.
/// </summary>
public sealed class BoundTensors : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtValue _inputValue;
    private readonly OrtValue _outputValue;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();

    public BoundTensors(InferenceSession session, string inputName, long[] inputShape, string outputName, long[] outputShape)
    {
        _session = session;
        Input = new float[Elements(inputShape)];
        Output = new float[Elements(outputShape)];
        _inputValue = OrtValue.CreateTensorValueFromMemory(Input, inputShape);
        _outputValue = OrtValue.CreateTensorValueFromMemory(Output, outputShape);
        _binding = session.CreateIoBinding();
        _binding.BindInput(inputName, _inputValue);
        _binding.BindOutput(outputName, _outputValue);
    }

    public float[] Input { get; }

    public float[] Output { get; }

    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    public void Dispose()
    {
        _binding.Dispose();
        _inputValue.Dispose();
        _outputValue.Dispose();
        _runOptions.Dispose();
    }

    private static long Elements(long[] shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }
}
