using System.Net;
using Npgsql;
using VideoAnalytics.Cloud.Tests.Console.Support;

namespace VideoAnalytics.Cloud.Tests.Console;

/// <summary>
/// Wrong passwords lock out the address they come from, never the user everywhere; the lockout is kept in PostgreSQL
/// (every silo sees it) and every decided sign-in is audited. Clients come from distinct loopback addresses.
/// </summary>
public sealed class SignInLockoutTests
{
    private const string Chief = "chief";

    [Fact]
    public async Task Wrong_passwords_from_one_address_lock_that_address_out_but_not_the_user_elsewhere_and_are_audited()
    {
        await using var host = await ConsoleTestHost.StartAsync(ConsoleTestHost.ProductionSignInLimits);
        await host.AddUserAsync(Chief, "admin", null);
        using var attacker = host.NewClient("127.0.0.2");
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await ConsoleTestHost.SignInAsync(attacker, " Chief", $"guess number {i}")).StatusCode);

        using var lockedOut = await ConsoleTestHost.SignInAsync(attacker, Chief, ConsoleTestHost.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, lockedOut.StatusCode);
        Assert.True(lockedOut.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        using var chief = host.NewClient("127.0.0.3");
        Assert.Equal(HttpStatusCode.OK, (await ConsoleTestHost.SignInAsync(chief, Chief, ConsoleTestHost.Password)).StatusCode);

        Assert.Equal(
            ["failed 127.0.0.2", "failed 127.0.0.2", "failed 127.0.0.2", "failed 127.0.0.2", "locked 127.0.0.2", "signed-in 127.0.0.3"],
            await AuditAsync(host.DataSource, Chief));
    }

    [Fact]
    public async Task One_address_guessing_many_names_is_locked_out_whatever_the_name()
    {
        // The shipped lockout (20 failures per address); the rate limit raised so that only the lockout can refuse.
        await using var host = await ConsoleTestHost.StartAsync(new Dictionary<string, string?>(ConsoleTestHost.ProductionSignInLimits)
        {
            ["Console:SignInsPerMinutePerAddress"] = "1000",
        });
        await host.AddUserAsync(Chief, "admin", null);
        using var sprayer = host.NewClient("127.0.0.4");
        // One wrong password for each of 20 names: no name fails 5 times, the address fails 20 times.
        for (var i = 0; i < 20; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await ConsoleTestHost.SignInAsync(sprayer, $"user-{i}", "a wrong password")).StatusCode);

        Assert.Equal(HttpStatusCode.TooManyRequests, (await ConsoleTestHost.SignInAsync(sprayer, Chief, ConsoleTestHost.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ConsoleTestHost.SignInAsync(host.NewClient("127.0.0.5"), Chief, ConsoleTestHost.Password)).StatusCode);
    }

    [Fact]
    public async Task A_lockout_made_on_one_silo_holds_on_another_silo_of_the_same_database()
    {
        await using var first = await ConsoleTestHost.StartAsync(ConsoleTestHost.ProductionSignInLimits);
        await first.AddUserAsync(Chief, "admin", null);
        await using var second = await ConsoleTestHost.StartAsync(new Dictionary<string, string?>(ConsoleTestHost.ProductionSignInLimits)
        {
            ["Cloud:Postgres:ConnectionString"] = first.ConnectionString,
            ["Cloud:Cluster:ClusterId"] = "console-test-second",
        });
        using var attacker = first.NewClient("127.0.0.6");
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await ConsoleTestHost.SignInAsync(attacker, Chief, $"guess number {i}")).StatusCode);

        using var viaSecond = await ConsoleTestHost.SignInAsync(second.NewClient("127.0.0.6"), Chief, ConsoleTestHost.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, viaSecond.StatusCode);
    }

    private static async Task<List<string>> AuditAsync(NpgsqlDataSource data, string name)
    {
        await using var cmd = data.CreateCommand("SELECT outcome || ' ' || address FROM console_signin_audit WHERE name = @n ORDER BY id");
        cmd.Parameters.AddWithValue("n", name);
        var rows = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }
}
