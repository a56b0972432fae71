using Microsoft.Extensions.Options;
using Npgsql;

namespace VideoAnalytics.Cloud.Console.Users;

/// <summary>
/// Refuses sign-ins for a while after too many failures, so passwords cannot be guessed at speed, without letting an
/// attacker lock a user out: failures count per user name from one client address (<see cref="ConsoleOptions.MaxFailedSignIns"/>)
/// and per address over all names (<see cref="ConsoleOptions.MaxFailedSignInsPerAddress"/>). The counts live in
/// PostgreSQL, so every silo sees them and a restart forgets nothing; rows expire by time only, so a flood of names
/// cannot push other counts out. Each decided sign-in is recorded in <c>console_signin_audit</c>.
/// </summary>
public sealed class SignInThrottle(NpgsqlDataSource dataSource, IOptions<ConsoleOptions> options)
{
    /// <summary>Expired rows removed per failure: cleaning keeps pace with what failures add.</summary>
    private const int ExpiredRowsPerFailure = 20;

    /// <summary>Seconds until <paramref name="name"/> may try again from <paramref name="address"/>, or 0 when it may now.</summary>
    public async Task<int> SecondsLockedAsync(string name, string address, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT coalesce(ceil(extract(epoch FROM max(locked_until) - clock_timestamp())), 0)::int
            FROM console_signin_throttle WHERE key = ANY(@keys) AND locked_until > clock_timestamp()
            """);
        cmd.Parameters.AddWithValue("keys", new[] { NameKey(name, address), AddressKey(address) });
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Counts a failed sign-in; returns the seconds of the lockout it started, or 0.</summary>
    public async Task<int> FailedAsync(string name, string address, CancellationToken ct)
    {
        var o = options.Value;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(conn, tx);
        var keys = new[] { NameKey(name, address), AddressKey(address) };
        var limits = new[] { o.MaxFailedSignIns, o.MaxFailedSignInsPerAddress };
        batch.BatchCommands.Add(Command("""
            INSERT INTO console_signin_throttle AS t (key, failures, window_start)
            SELECT k, 1, clock_timestamp() FROM unnest(@keys) AS k
            ON CONFLICT (key) DO UPDATE SET
              failures = CASE WHEN t.window_start < clock_timestamp() - make_interval(secs => @window) THEN 1 ELSE t.failures + 1 END,
              window_start = CASE WHEN t.window_start < clock_timestamp() - make_interval(secs => @window) THEN clock_timestamp() ELSE t.window_start END
            """, ("keys", keys), ("window", (double)o.FailureWindowSeconds)));
        batch.BatchCommands.Add(Command("""
            UPDATE console_signin_throttle t SET locked_until = clock_timestamp() + make_interval(secs => @lockout), failures = 0, window_start = clock_timestamp()
            FROM unnest(@keys, @limits) AS x(k, lim)
            WHERE t.key = x.k AND t.failures >= x.lim
            """, ("keys", keys), ("limits", limits), ("lockout", (double)o.LockoutSeconds)));
        batch.BatchCommands.Add(Command("""
            DELETE FROM console_signin_throttle WHERE key IN (
                SELECT key FROM console_signin_throttle
                WHERE window_start < clock_timestamp() - make_interval(secs => @window) AND coalesce(locked_until, '-infinity') < clock_timestamp()
                LIMIT @n)
            """, ("window", (double)o.FailureWindowSeconds), ("n", ExpiredRowsPerFailure)));
        batch.BatchCommands.Add(Command("""
            INSERT INTO console_signin_audit (name, address, outcome)
            SELECT @name, @address, CASE WHEN EXISTS (SELECT 1 FROM console_signin_throttle WHERE key = ANY(@keys) AND locked_until > clock_timestamp())
                                         THEN 'locked' ELSE 'failed' END
            RETURNING outcome
            """, ("name", name), ("address", address), ("keys", keys)));
        var outcome = (string?)await batch.ExecuteScalarAsync(ct);
        await tx.CommitAsync(ct);
        return outcome == "locked" ? o.LockoutSeconds : 0;
    }

    /// <summary>A right password clears the count of this name from this address (not the address's own count) and is recorded.</summary>
    public async Task SucceededAsync(string name, string address, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(conn, tx)
        {
            BatchCommands =
            {
                Command("DELETE FROM console_signin_throttle WHERE key = @key", ("key", NameKey(name, address))),
                Command("INSERT INTO console_signin_audit (name, address, outcome) VALUES (@name, @address, 'signed-in')", ("name", name), ("address", address)),
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    private static string NameKey(string name, string address) => $"name:{name}@{address}";

    private static string AddressKey(string address) => $"addr:{address}";

    private static NpgsqlBatchCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var cmd = new NpgsqlBatchCommand(sql);
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v);
        return cmd;
    }
}
