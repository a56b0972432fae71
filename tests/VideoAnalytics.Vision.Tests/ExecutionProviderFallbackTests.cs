using Microsoft.Extensions.Logging;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Vision.Tests;

public sealed class ExecutionProviderFallbackTests
{
    [Fact]
    public void Gpu_providers_missing_from_the_cpu_build_fall_back_to_cpu_with_warnings()
    {
        using var logs = new CapturingLoggerFactory();
        var factory = TestModels.Factory(logs, "tensorrt,cuda,cpu");
        Assert.DoesNotContain("CUDAExecutionProvider", factory.AvailableProviders);

        using var session = factory.Create(TestModels.YoloxNano);

        Assert.Equal([ExecutionProvider.Cpu], session.Providers);
        var warnings = logs.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message).ToList();
        Assert.Contains(warnings, w => w.Contains("TensorrtExecutionProvider"));
        Assert.Contains(warnings, w => w.Contains("CUDAExecutionProvider"));
    }

    [Fact]
    public void Cuda_only_configuration_still_runs_on_cpu_and_says_so()
    {
        using var logs = new CapturingLoggerFactory();

        using var session = TestModels.Factory(logs, "cuda").Create(TestModels.Osnet);

        Assert.Equal([ExecutionProvider.Cpu], session.Providers);
        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("running on CPU"));
    }

    [Theory]
    [InlineData("gpu,cpu", "unknown provider 'gpu'")]
    [InlineData("", "is empty")]
    public void Bad_provider_lists_are_rejected_naming_the_key(string providers, string expected)
    {
        var errors = new OnnxRuntimeOptions { ExecutionProviders = providers }.Validate();

        var error = Assert.Single(errors);
        Assert.Contains("Onnx:ExecutionProviders", error);
        Assert.Contains(expected, error);
    }
}
