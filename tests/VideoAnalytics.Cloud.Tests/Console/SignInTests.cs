using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoAnalytics.Cloud.Console.Users;
using VideoAnalytics.Cloud.Tests.Console.Support;
using VideoAnalytics.Users;

namespace VideoAnalytics.Cloud.Tests.Console;

public sealed class SignInTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>
{
    private readonly ConsoleTestHost host = fixture.Host;

    [Fact]
    public async Task RightPasswordGivesAStrictHttpOnlySessionAndTheUsersBranch()
    {
        using var client = host.NewClient();
        using var reply = await ConsoleTestHost.SignInAsync(client, "Staff-North ", ConsoleTestHost.Password);

        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var cookie = Assert.Single(reply.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("va_console=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        using var me = JsonDocument.Parse(await client.GetStringAsync("/api/me"));
        Assert.Equal(ConsoleHostFixture.NorthStaff, me.RootElement.GetProperty("name").GetString());
        Assert.Equal("staff", me.RootElement.GetProperty("role").GetString());
        Assert.Equal("north", me.RootElement.GetProperty("branch").GetString());
    }

    [Fact]
    public async Task WrongPasswordAndUnknownUserGetTheSameRefusal()
    {
        using var client = host.NewClient();
        using var wrong = await ConsoleTestHost.SignInAsync(client, ConsoleHostFixture.Admin, "not the password");
        using var unknown = await ConsoleTestHost.SignInAsync(client, "nobody", ConsoleTestHost.Password);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(await wrong.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task SignInWithoutTheAntiForgeryHeaderIsRefused()
    {
        using var client = host.NewClient();
        using var reply = await client.PostAsJsonAsync("/api/session", new { name = ConsoleHostFixture.NorthStaff, password = ConsoleTestHost.Password });

        Assert.Equal(HttpStatusCode.Forbidden, reply.StatusCode);
        Assert.Contains("X-VA-Console", await reply.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutASessionTheApiSays401AndPagesRedirectToSignIn()
    {
        using var client = host.NewClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/alerts/stream")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/devices")).StatusCode);
        using var page = await client.GetAsync("/console/alerts");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/console/signin?ReturnUrl=", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/console/signin")).StatusCode);
    }

    [Fact]
    public async Task SignOutEndsTheSession()
    {
        using var client = await host.SignedInClientAsync(ConsoleHostFixture.Admin);
        using var signOut = new HttpRequestMessage(HttpMethod.Delete, "/api/session");
        signOut.Headers.Add("X-VA-Console", "1");
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(signOut)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task RepeatedFailuresLockTheNameEvenForTheRightPassword()
    {
        await host.AddUserAsync("mallory", "staff", "north");
        using var client = host.NewClient();
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await ConsoleTestHost.SignInAsync(client, "mallory", $"guess number {i}")).StatusCode);

        using var locked = await ConsoleTestHost.SignInAsync(client, "mallory", ConsoleTestHost.Password);
        Assert.Equal((HttpStatusCode)429, locked.StatusCode);
        Assert.True(locked.Headers.RetryAfter is not null);
    }

    [Fact]
    public async Task ChangingThePasswordEndsSessionsSignedInWithTheOldOne()
    {
        await host.AddUserAsync("bob", "staff", "north");
        using var client = await host.SignedInClientAsync("bob");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);

        await using (var cmd = host.DataSource.CreateCommand("UPDATE console_users SET password_hash = @h WHERE name = 'bob'"))
        {
            cmd.Parameters.AddWithValue("h", PasswordHashing.Hash("a brand new password"));
            await cmd.ExecuteNonQueryAsync();
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ConsoleTestHost.SignInAsync(host.NewClient(), "bob", "a brand new password")).StatusCode);
    }

    [Fact]
    public void StoredHashesAreSaltedAndOnlyTheRightPasswordMatches()
    {
        var first = PasswordHashing.Hash("same password");
        var second = PasswordHashing.Hash("same password");

        Assert.NotEqual(first, second);
        Assert.StartsWith($"pbkdf2-sha512${PasswordHashing.Iterations}$", first, StringComparison.Ordinal);
        Assert.True(PasswordHashing.Verify("same password", second));
        Assert.False(PasswordHashing.Verify("same passworD", first));
        Assert.False(PasswordHashing.Verify("same password", "pbkdf2-sha512$1000$AAAA$AAAA"));
    }
}
