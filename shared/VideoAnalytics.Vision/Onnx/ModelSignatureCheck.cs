using Microsoft.ML.OnnxRuntime;

namespace VideoAnalytics.Vision.Onnx;

/// <summary>Checks a session's inputs and outputs against what its manifest promises, so a wrong file fails at load time.</summary>
internal static class ModelSignatureCheck
{
    public static void Verify(ModelPackage package, InferenceSession session)
    {
        var manifest = package.Manifest;
        var file = package.ModelPath;
        if (manifest.Input is { } input)
        {
            if (!session.InputMetadata.TryGetValue(input.Name, out var meta))
            {
                throw new ModelLoadException($"model '{file}' has no input '{input.Name}' (it has {string.Join(", ", session.InputMetadata.Keys)}); fix manifest '{package.ManifestPath}'");
            }
            var dims = meta.Dimensions;
            var nhwc = input.Layout == "nhwc";
            var expected = nhwc ? new[] { -1, input.Height, input.Width, 3 } : new[] { -1, 3, input.Height, input.Width };
            if (!Compatible(dims, expected))
            {
                throw new ModelLoadException($"model '{file}' expects input {Format(dims)} but manifest '{package.ManifestPath}' says {input.Width}x{input.Height} {input.Layout}");
            }
        }
        foreach (var output in manifest.Outputs)
        {
            if (!session.OutputMetadata.TryGetValue(output.Name, out var meta))
            {
                throw new ModelLoadException($"model '{file}' has no output '{output.Name}' (it has {string.Join(", ", session.OutputMetadata.Keys)}); fix manifest '{package.ManifestPath}'");
            }
            if (output.Shape is { } shape && !Compatible(meta.Dimensions, shape))
            {
                throw new ModelLoadException($"model '{file}' output '{output.Name}' is {Format(meta.Dimensions)} but manifest '{package.ManifestPath}' says {Format(shape)}");
            }
        }
    }

    /// <summary>Same rank and equal sizes wherever both sides are fixed (negative or zero means dynamic).</summary>
    private static bool Compatible(int[] actual, int[] expected)
    {
        if (actual.Length != expected.Length) return false;
        for (var i = 0; i < actual.Length; i++)
        {
            if (actual[i] > 0 && expected[i] > 0 && actual[i] != expected[i]) return false;
        }
        return true;
    }

    internal static string Format(int[] dims) => "[" + string.Join(",", Array.ConvertAll(dims, d => d > 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?")) + "]";
}
