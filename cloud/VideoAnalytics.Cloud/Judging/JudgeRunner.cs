using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Judging;

/// <summary>The judge backend could not give a verdict now (down, overloaded, timing out); the clip waits and is retried.</summary>
public sealed class JudgeUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Runs the configured <see cref="IJudge"/> for this silo: reads the clip's keyframes from the clip store, bounds how
/// many judge calls run at once, and counts what waits, runs and finished (shown by the cluster API).
/// </summary>
public sealed class JudgeRunner(IJudge judge, KeyframeReader keyframes, IOptions<JudgeOptions> options, TimeProvider time, ILogger<JudgeRunner> logger)
    : IDisposable
{
    private readonly SemaphoreSlim slots = new(options.Value.MaxConcurrency, options.Value.MaxConcurrency);
    private int queued, running;
    private long judged, failed;
    private readonly double[] recentMs = new double[256];
    private long recentCount;

    public string Backend => judge.Backend;

    public JudgeQueueView Snapshot()
    {
        double[] window;
        lock (recentMs) window = recentMs.Take((int)Math.Min(recentCount, recentMs.Length)).Order().ToArray();
        return new JudgeQueueView(judge.Backend, options.Value.MaxConcurrency, Volatile.Read(ref queued), Volatile.Read(ref running),
            Interlocked.Read(ref judged), Interlocked.Read(ref failed),
            window.Length == 0 ? null : window[window.Length / 2]);
    }

    public async Task<JudgeOutcome> RunAsync(ClipManifest manifest, string question, CancellationToken ct)
    {
        Interlocked.Increment(ref queued);
        var entered = false;
        try
        {
            await slots.WaitAsync(ct);
            entered = true;
            Interlocked.Decrement(ref queued);
            Interlocked.Increment(ref running);
            var frames = await keyframes.ReadAsync(manifest, options.Value.MaxKeyframes, ct);
            var started = Stopwatch.GetTimestamp();
            JudgeResult result;
            if (frames.Count == 0)
            {
                result = new JudgeResult(Verdict.Unsure, 0, "no keyframes could be read from the clip", judge.Backend, TimeSpan.Zero);
            }
            else
            {
                result = await judge.JudgeAsync(new JudgeRequest(manifest, frames, question), ct);
            }
            var elapsed = Stopwatch.GetElapsedTime(started);
            Record(elapsed.TotalMilliseconds);
            Interlocked.Increment(ref judged);
            return new JudgeOutcome(new Judgment
            {
                ClipId = manifest.ClipId, Branch = manifest.Branch, Site = manifest.Site, Device = manifest.Device, Camera = manifest.Camera,
                TimeUtc = time.GetUtcNow(), Rule = manifest.Rule, Verdict = result.Verdict, Confidence = Math.Clamp(result.Confidence, 0, 1),
                Reason = Truncate(result.Reason, Limits.MaxReasonLength), Backend = result.Backend,
                DurationMs = result.Duration > TimeSpan.Zero ? result.Duration.TotalMilliseconds : elapsed.TotalMilliseconds,
            }, null);
        }
        catch (Exception e) when (e is JudgeUnavailableException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            Interlocked.Increment(ref failed);
            logger.LogWarning("Judge {Backend} unavailable for clip {ClipId}: {Error}", judge.Backend, manifest.ClipId, e.Message);
            return new JudgeOutcome(null, $"{judge.Backend}: {e.Message}");
        }
        finally
        {
            if (entered)
            {
                Interlocked.Decrement(ref running);
                slots.Release();
            }
            else
            {
                Interlocked.Decrement(ref queued);
            }
        }
    }

    public void Dispose() => slots.Dispose();

    private void Record(double ms)
    {
        lock (recentMs) recentMs[recentCount++ % recentMs.Length] = ms;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}

public sealed record JudgeQueueView(string Backend, int MaxConcurrency, int Queued, int Running, long Judged, long Failed, double? RecentMedianMs);
