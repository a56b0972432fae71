using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace VideoAnalytics.Cloud.Console.Users;

/// <summary>
/// Refuses sign-ins of a user name for a while after too many failures in a row, so passwords cannot be guessed at
/// speed. Kept in memory per host: a restart forgets it, which costs an attacker a restart per few guesses.
/// </summary>
public sealed class SignInThrottle(IOptions<ConsoleOptions> options, TimeProvider time)
{
    private const int MaxTrackedNames = 10_000;
    private readonly ConcurrentDictionary<string, Failures> failures = new(StringComparer.Ordinal);

    private sealed record Failures(int Count, DateTimeOffset LockedUntil);

    /// <summary>Seconds until <paramref name="name"/> may try again, or 0 when it may now.</summary>
    public int SecondsLocked(string name)
    {
        if (!failures.TryGetValue(name, out var f)) return 0;
        var left = f.LockedUntil - time.GetUtcNow();
        return left > TimeSpan.Zero ? (int)Math.Ceiling(left.TotalSeconds) : 0;
    }

    public void Failed(string name)
    {
        if (failures.Count >= MaxTrackedNames) ForgetExpired();
        var o = options.Value;
        Failures Next(int previous) =>
            previous + 1 >= o.MaxFailedSignIns
                ? new Failures(0, time.GetUtcNow().AddSeconds(o.LockoutSeconds))
                : new Failures(previous + 1, DateTimeOffset.MinValue);
        failures.AddOrUpdate(name, _ => Next(0), (_, f) => Next(f.Count));
    }

    public void Succeeded(string name) => failures.TryRemove(name, out _);

    private void ForgetExpired()
    {
        var now = time.GetUtcNow();
        foreach (var (name, f) in failures)
        {
            if (f.LockedUntil < now) failures.TryRemove(name, out _);
        }
    }
}
