using System.Threading.Channels;
using OpenCvSharp;
using VideoAnalytics.Vision.Tracking;

namespace VideoAnalytics.Edge.Perception;

/// <summary>One frame with what detection and tracking found on it, handed from the perception stage to the analysis stage.</summary>
public sealed class PerceivedFrame<TFrame>
{
    public TFrame Frame { get; private set; } = default!;

    public List<TrackedObject> Active { get; } = [];

    public List<long> Ended { get; } = [];

    internal void Fill(TFrame frame, List<TrackedObject> active, List<long> ended)
    {
        Frame = frame;
        Active.Clear();
        Active.AddRange(active);
        Ended.Clear();
        Ended.AddRange(ended);
    }

    internal TFrame Take()
    {
        var frame = Frame;
        Frame = default!;
        return frame;
    }
}

/// <summary>
/// Detection and tracking of the next frame overlap with the analysis (records, encoder, gate, clips) of the current
/// one: two stages joined by a bounded channel. On a Jetson the detector runs on the GPU while the CPU analyses; on a
/// CPU-only box the stages use two cores. A fixed set of <see cref="PerceivedFrame{TFrame}"/> slots circulates, so
/// nothing is allocated per frame, and a slow analysis stage holds perception back instead of queueing frames.
/// </summary>
public static class PipelinedPerception
{
    /// <summary>Perceived frames waiting for analysis.</summary>
    public const int Depth = 2;

    /// <summary>
    /// Runs both stages until <paramref name="frames"/> completes. Every frame read is passed to <paramref name="release"/>
    /// exactly once, after its analysis or when it could not be analysed. An error in either stage stops both and is rethrown.
    /// </summary>
    public static async Task RunAsync<TFrame>(
        ChannelReader<TFrame> frames, Func<TFrame, Mat> image, Func<TFrame, TimeSpan> position, PerceptionStep step,
        Func<PerceivedFrame<TFrame>, CancellationToken, ValueTask> analyse, Action<TFrame> release, CancellationToken ct)
    {
        // Depth slots in the channel, one being analysed, one being perceived.
        var free = Channel.CreateBounded<PerceivedFrame<TFrame>>(Depth + 2);
        for (var i = 0; i < Depth + 2; i++) free.Writer.TryWrite(new PerceivedFrame<TFrame>());
        var perceived = Channel.CreateBounded<PerceivedFrame<TFrame>>(new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var perceive = Task.Run(() => PerceiveAsync(frames, image, position, step, free, perceived.Writer, release, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var slot in perceived.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await analyse(slot, stop.Token).ConfigureAwait(false);
                }
                finally
                {
                    release(slot.Take());
                    free.Writer.TryWrite(slot);
                }
            }
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(perceive).ConfigureAwait(false);
            _ = perceive.Exception; // observed: its own error, if any, is secondary to this one
            throw;
        }
        finally
        {
            while (perceived.Reader.TryRead(out var left)) release(left.Take());
        }
        await perceive.ConfigureAwait(false);
    }

    private static async Task PerceiveAsync<TFrame>(
        ChannelReader<TFrame> frames, Func<TFrame, Mat> image, Func<TFrame, TimeSpan> position, PerceptionStep step,
        Channel<PerceivedFrame<TFrame>> free, ChannelWriter<PerceivedFrame<TFrame>> perceived, Action<TFrame> release, CancellationToken ct)
    {
        try
        {
            await foreach (var frame in frames.ReadAllAsync(ct).ConfigureAwait(false))
            {
                PerceivedFrame<TFrame>? slot = null;
                try
                {
                    slot = await free.Reader.ReadAsync(ct).ConfigureAwait(false);
                    step.Process(image(frame), position(frame));
                    slot.Fill(frame, step.Active, step.Ended);
                    await perceived.WriteAsync(slot, ct).ConfigureAwait(false);
                }
                catch
                {
                    if (slot is not null)
                    {
                        slot.Take();
                        free.Writer.TryWrite(slot);
                    }
                    release(frame);
                    throw;
                }
            }
        }
        finally
        {
            perceived.TryComplete();
        }
    }
}
