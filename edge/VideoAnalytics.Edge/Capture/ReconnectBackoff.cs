namespace VideoAnalytics.Edge.Capture;

/// <summary>
/// Capped exponential backoff with jitter: initial, 2x, 4x … up to the cap, each delay drawn from its upper half so
/// that many cameras behind one failed switch do not reconnect in lock-step.
/// </summary>
public sealed class ReconnectBackoff(TimeSpan initial, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;
    private int _failures;

    public int Failures => _failures;

    public TimeSpan NextDelay()
    {
        var exponent = Math.Min(_failures, 30);
        _failures++;
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(ceiling / 2 + _random.NextDouble() * ceiling / 2);
    }

    public void Reset() => _failures = 0;
}
