using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Edge.Models;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Edge.Tests.Models;

public class HotSwapKeepsFramesTests
{
    /// <summary>A real ONNX session that records when it is disposed and refuses use afterwards.</summary>
    private sealed class TrackedSession(ModelSession session, string version) : IDisposable
    {
        public string Version { get; } = version;
        public volatile bool Disposed;

        public float[] Run(DenseTensor<float> input)
        {
            if (Disposed) throw new ObjectDisposedException($"session {Version}");
            using var results = session.Session.Run([NamedOnnxValue.CreateFromTensor("images", input)]);
            return results[0].AsTensor<float>().ToArray();
        }

        public void Dispose()
        {
            Disposed = true;
            session.Dispose();
        }
    }

    private static async Task<TrackedSession> LoadAsync(string version)
    {
        using var package = await SignedTestPackage.CreateAsync("osnet-x0-25", TestEnvironment.Models("osnet_x0_25_msmt17", "osnet_x0_25_msmt17.onnx"), version);
        var factory = new OnnxSessionFactory(new OnnxRuntimeOptions { IntraOpThreads = 1 });
        // The session has read the file; the package folder can go.
        return new TrackedSession(factory.Create(ModelPackageLoader.Load(Path.Combine(package.Directory, ModelPackageFiles.Manifest))), version);
    }

    [Fact]
    public async Task Frames_keep_flowing_across_swaps_and_each_old_session_is_disposed_after_its_last_frame()
    {
        var v1 = await LoadAsync("1.0.0");
        var v2 = await LoadAsync("2.0.0");
        var v3 = await LoadAsync("3.0.0");
        using var slot = new ModelSlot<TrackedSession>(v1);
        var input = new DenseTensor<float>(Enumerable.Range(0, 3 * 256 * 128).Select(i => (i % 255) / 255f).ToArray(), [1, 3, 256, 128]);
        var seen = new List<string>();
        var frames = 0;
        var errors = new List<Exception>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var pipeline = Task.Run(() =>
        {
            // One lease per frame, as the pipeline does: read the slot once, use that instance for the whole frame.
            while (!stop.IsCancellationRequested && seen.LastOrDefault() != "3.0.0" || frames < 3)
            {
                using var lease = slot.Acquire();
                try
                {
                    var embedding = lease.Value.Run(input);
                    Assert.Equal(512, embedding.Length);
                    Assert.All(embedding, v => Assert.True(float.IsFinite(v)));
                    if (seen.LastOrDefault() != lease.Value.Version) seen.Add(lease.Value.Version);
                    frames++;
                }
                catch (Exception e)
                {
                    errors.Add(e);
                    return;
                }
            }
        });

        await WaitUntilAsync(() => frames >= 3, stop.Token);
        slot.Swap(v2);
        await WaitUntilAsync(() => seen.Contains("2.0.0"), stop.Token);
        Assert.True(v1.Disposed, "the old session is disposed once no frame holds it");
        var before = frames;
        slot.Swap(v3);
        await pipeline.WaitAsync(stop.Token);

        Assert.Empty(errors);
        Assert.Equal(["1.0.0", "2.0.0", "3.0.0"], seen);
        Assert.True(frames > before);
        Assert.True(v2.Disposed);
        Assert.False(v3.Disposed);
    }

    [Fact]
    public void A_lease_taken_before_a_swap_keeps_its_instance_alive_until_released()
    {
        var first = new Flag();
        using var slot = new ModelSlot<Flag>(first);
        var lease = slot.Acquire();
        slot.Swap(new Flag());
        Assert.False(first.Disposed);
        Assert.Same(first, lease.Value);
        lease.Dispose();
        Assert.True(first.Disposed);
        using var next = slot.Acquire();
        Assert.NotSame(first, next.Value);
    }

    private sealed class Flag : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition()) await Task.Delay(10, ct);
    }
}
