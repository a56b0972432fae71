using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VideoAnalytics.Vision.Onnx;
using VideoAnalytics.Vision.Tracking;

namespace VideoAnalytics.Vision.Tests;

public sealed class VisionOptionsValidateOnStartTests
{
    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddVision(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task Bad_settings_stop_the_host_at_start_naming_the_key()
    {
        using var host = Build(new() { ["Onnx:ExecutionProviders"] = "cuda,npu", ["Tracker:LostTrackFrames"] = "-3" });

        var e = await Assert.ThrowsAsync<AggregateException>(() => host.StartAsync(TestContext.Timeout));

        Assert.Contains("Onnx:ExecutionProviders has unknown provider 'npu'", e.Message);
        Assert.Contains("Tracker:LostTrackFrames must be 0-100000, not -3", e.Message);
    }

    [Fact]
    public async Task Good_settings_bind_and_give_a_session_factory()
    {
        using var host = Build(new() { ["Onnx:ExecutionProviders"] = "tensorrt,cuda,cpu", ["Onnx:IntraOpThreads"] = "2", ["Tracker:LostTrackTime"] = "00:00:03" });

        await host.StartAsync(TestContext.Timeout);

        Assert.Equal(2, host.Services.GetRequiredService<IOptions<OnnxRuntimeOptions>>().Value.IntraOpThreads);
        Assert.Equal(TimeSpan.FromSeconds(3), host.Services.GetRequiredService<IOptions<ByteTrackerOptions>>().Value.LostTrackTime);
        Assert.NotNull(host.Services.GetRequiredService<OnnxSessionFactory>());
        await host.StopAsync(TestContext.Timeout);
    }

    private static class TestContext
    {
        public static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
    }
}
