using System.Net;
using System.Text;
using VideoAnalytics.Cloud.Tests.Console.Support;

namespace VideoAnalytics.Cloud.Tests.Console;

/// <summary>Bad ids, enums, sizes and bodies get 400 with a reason, never a crash or a silent default.</summary>
public sealed class ApiRejectsBadInputTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>
{
    private readonly ConsoleTestHost host = fixture.Host;

    [Theory]
    [InlineData("/api/alerts?state=burning", "state")]
    [InlineData("/api/alerts?limit=0", "limit")]
    [InlineData("/api/alerts?limit=100000", "limit")]
    [InlineData("/api/alerts?site=Not_A_Slug", "site")]
    [InlineData("/api/alerts?branch=x%27%3B%20drop%20table%20alerts", "branch")]
    [InlineData("/api/alerts/short", "alert id")]
    [InlineData("/api/alerts/stream?site=UPPER", "site")]
    [InlineData("/api/clips/20260101-000000-000-aaaa/files/..%2Fsecret", "file name")]
    [InlineData("/api/clips/BAD/files/kf00.jpg", "clip id")]
    [InlineData("/api/devices?site=a%20b", "site")]
    public async Task BadQueriesAreRefusedWithAReason(string path, string reasonMentions)
    {
        using var admin = await host.SignedInClientAsync(ConsoleHostFixture.Admin);
        using var reply = await admin.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, reply.StatusCode);
        Assert.Contains(reasonMentions, await reply.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("acknowledge", "{\"note\": 42}", "application/json", "JSON")]
    [InlineData("acknowledge", "{\"note\": \"ok\", \"state\": \"dismissed\"}", "application/json", "JSON")]
    [InlineData("acknowledge", "not json", "application/json", "JSON")]
    [InlineData("acknowledge", "{}", "text/plain", "application/json")]
    [InlineData("acknowledge", "", "application/json", "empty")]
    [InlineData("escalate", "{}", "application/json", "action")]
    [InlineData("dismiss", "{\"note\": \"a\\u0000b\"}", "application/json", "control")]
    public async Task BadActionBodiesAreRefusedAndChangeNothing(string action, string body, string contentType, string reasonMentions)
    {
        var alert = await host.AddAlertAsync("north", "north-01");
        using var admin = await host.SignedInClientAsync(ConsoleHostFixture.Admin);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{alert.AlertId}/{action}")
        {
            Content = new StringContent(body, Encoding.UTF8, contentType),
        };
        request.Headers.Add("X-VA-Console", "1");

        using var reply = await admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, reply.StatusCode);
        Assert.Contains(reasonMentions, await reply.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var cmd = host.DataSource.CreateCommand("SELECT state FROM alerts WHERE alert_id = @id");
        cmd.Parameters.AddWithValue("id", alert.AlertId);
        Assert.Equal("new", await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task OversizedBodiesAndNotesAreRefused()
    {
        var alert = await host.AddAlertAsync("north", "north-01");
        using var admin = await host.SignedInClientAsync(ConsoleHostFixture.Admin);

        using var longNote = await admin.SendAsync(ConsoleTestHost.Post($"/api/alerts/{alert.AlertId}/dismiss", new { note = new string('x', 1001) }));
        using var hugeBody = await admin.SendAsync(ConsoleTestHost.Post($"/api/alerts/{alert.AlertId}/dismiss", new { note = new string('x', 40_000) }));
        using var hugeSignIn = await host.NewClient().SendAsync(ConsoleTestHost.Post("/api/session", new { name = "admin", password = new string('p', 20_000) }));

        Assert.Equal(HttpStatusCode.BadRequest, longNote.StatusCode);
        Assert.Contains("note", await longNote.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, hugeBody.StatusCode);
        Assert.Contains("larger than", await hugeBody.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, hugeSignIn.StatusCode);
    }

    [Fact]
    public async Task SignInWithoutNameOrPasswordIsABadRequest()
    {
        using var client = host.NewClient();

        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(ConsoleTestHost.Post("/api/session", new { password = "x" }))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(ConsoleTestHost.Post("/api/session", new { name = "admin" }))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await client.SendAsync(ConsoleTestHost.Post("/api/session", new { name = "<script>", password = "x" }))).StatusCode);
    }
}
