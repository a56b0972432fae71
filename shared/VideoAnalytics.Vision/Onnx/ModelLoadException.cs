namespace VideoAnalytics.Vision.Onnx;

/// <summary>A model package or file that cannot be used: missing, wrong hash, or shapes that disagree with its manifest.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);
