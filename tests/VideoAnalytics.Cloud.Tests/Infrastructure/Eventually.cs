namespace VideoAnalytics.Cloud.Tests.Infrastructure;

/// <summary>Polls until a condition holds, bounded by a timeout (tests never assert timing, only eventual outcomes).</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last = default!;
        Exception? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await read();
                if (done(last)) return last;
                lastError = null;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                lastError = e;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{what} did not happen within {timeout}; last value: {last}; last error: {lastError?.Message}");
    }
}
