namespace VideoAnalytics.Contracts.Transport;

/// <summary>
/// Capped exponential backoff with jitter (initial, 2x, 4x … up to the cap), the one delay rule of every reconnect
/// loop and durable retry schedule. Each delay is drawn from the upper half of its step so that many cameras or
/// devices behind one failed switch do not retry in lock-step, yet never wait less than half the step.
/// </summary>
public sealed class Backoff(TimeSpan initial, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    /// <summary>Failures since the last success.</summary>
    public int Failures { get; private set; }

    /// <summary>The wait before the next attempt; counts one more failure.</summary>
    public TimeSpan NextDelay() => Delay(Failures++, initial, max, _random);

    /// <summary>After a success: the next failure waits the initial delay again.</summary>
    public void Reset() => Failures = 0;

    /// <summary>
    /// The wait after <paramref name="failures"/> earlier failures (0: the first retry), for schedules that keep
    /// their attempt count elsewhere (grain state, a database row).
    /// </summary>
    public static TimeSpan Delay(int failures, TimeSpan initial, TimeSpan max, Random? random = null)
    {
        var step = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Clamp(failures, 0, 30)));
        return TimeSpan.FromMilliseconds(step / 2 + (random ?? Random.Shared).NextDouble() * step / 2);
    }
}
