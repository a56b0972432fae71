using System.Net;
using VideoAnalytics.Cloud.Tests.Console.Support;

namespace VideoAnalytics.Cloud.Tests.Console;

/// <summary>
/// Each sign-in costs a password hash, so a client address gets a few attempts a minute and a silo checks only a few at
/// once; beyond either the answer is 429 with Retry-After, and other addresses still sign in.
/// </summary>
public sealed class SignInRateLimitTests
{
    [Fact]
    public async Task An_address_that_keeps_trying_gets_429_with_Retry_After_while_others_still_sign_in()
    {
        // The shipped rate (10 a minute, refilled one every 6 s); the lockout raised so that only the rate can refuse.
        await using var host = await ConsoleTestHost.StartAsync(new Dictionary<string, string?>(ConsoleTestHost.ProductionSignInLimits)
        {
            ["Console:MaxFailedSignInsPerAddress"] = "10000",
        });
        await host.AddUserAsync("staff-a", "staff", "north");
        using var flooder = host.NewClient("127.0.0.7");
        // Distinct unknown names, so no lockout is reached; a slow machine refills a token now and then, so try a few more.
        HttpResponseMessage? limited = null;
        var attempts = 0;
        while (limited is null && attempts < 30)
        {
            var reply = await ConsoleTestHost.SignInAsync(flooder, $"nobody-{attempts++}", "a wrong password");
            if (reply.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = reply;
                continue;
            }
            using (reply) Assert.Equal(HttpStatusCode.Unauthorized, reply.StatusCode);
        }

        Assert.NotNull(limited);
        Assert.InRange(attempts, 11, 30);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
        Assert.Equal(HttpStatusCode.OK, (await ConsoleTestHost.SignInAsync(host.NewClient("127.0.0.8"), "staff-a", ConsoleTestHost.Password)).StatusCode);
        limited.Dispose();
    }

    [Fact]
    public async Task Sign_ins_beyond_what_a_silo_checks_at_once_get_429_with_Retry_After()
    {
        await using var host = await ConsoleTestHost.StartAsync(new Dictionary<string, string?>(ConsoleTestHost.ProductionSignInLimits)
        {
            ["Console:MaxConcurrentSignIns"] = "1",
            ["Console:MaxQueuedSignIns"] = "0",
        });
        var clients = Enumerable.Range(1, 16).Select(i => host.NewClient($"127.0.1.{i}")).ToList();
        using var start = new SemaphoreSlim(0);
        var attempts = clients.Select(async (c, i) =>
        {
            await start.WaitAsync();
            using var reply = await ConsoleTestHost.SignInAsync(c, $"nobody-{i}", "a wrong password");
            return (reply.StatusCode, reply.Headers.RetryAfter);
        }).ToList();
        start.Release(clients.Count);
        var replies = await Task.WhenAll(attempts);
        clients.ForEach(c => c.Dispose());

        Assert.Contains(replies, r => r.StatusCode == HttpStatusCode.Unauthorized);
        var refused = replies.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.True(r.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After"));
        Assert.All(replies, r => Assert.True(r.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, r.StatusCode.ToString()));
    }
}
