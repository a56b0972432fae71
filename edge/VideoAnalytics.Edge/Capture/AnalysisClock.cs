namespace VideoAnalytics.Edge.Capture;

/// <summary>Picks the frames to analyse so that <c>fps</c> frames per second of source time are kept (0 keeps all).</summary>
public sealed class AnalysisClock(double fps)
{
    private readonly TimeSpan _interval = fps > 0 ? TimeSpan.FromSeconds(1 / fps) : TimeSpan.Zero;
    private TimeSpan? _next;

    public bool ShouldAnalyse(TimeSpan position)
    {
        if (_next is { } next && position < next) return false;
        // Stay on the grid, but never try to catch up on time already lost.
        _next = _next is { } n && n + _interval > position ? n + _interval : position + _interval;
        return true;
    }
}
