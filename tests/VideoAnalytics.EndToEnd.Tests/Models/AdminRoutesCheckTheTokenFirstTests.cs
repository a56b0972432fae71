using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using VideoAnalytics.Admin.Commands;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Models;

/// <summary>
/// The registry's admin routes check the token before they read a body (401 for anything anonymous, however large or
/// malformed), cap their bodies (413), and record the name of the token that acted.
/// </summary>
[Collection(ModelCloud.Collection)]
public sealed class AdminRoutesCheckTheTokenFirstTests : IAsyncLifetime
{
    private const string AliceToken = "alice-admin-token-0123456789";
    private const string BobToken = "bob-admin-token-0123456789";
    private static readonly string[] JsonRoutes = ["/api/models/assignments", "/api/models/rollback", "/api/models/heads/train"];
    private ModelCloud _cloud = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _cloud = await ModelCloud.StartAsync(new Dictionary<string, string?>
        {
            ["Cloud:Admin:Tokens:alice"] = AliceToken,
            ["Cloud:Admin:Tokens:bob"] = BobToken,
        });
        _work = TestEnvironment.NewTempDir("va-admin-routes");
    }

    public async Task DisposeAsync()
    {
        await _cloud.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Malformed_bodies_without_a_token_get_401_not_400()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_cloud.BaseUrl) };
        foreach (var route in JsonRoutes)
        {
            using var reply = await http.PostAsync(route, new StringContent("{not json", Encoding.UTF8, "application/json"));
            Assert.True(reply.StatusCode == HttpStatusCode.Unauthorized, $"{route}: {reply.StatusCode}");
        }
    }

    [Fact]
    public async Task A_25_MB_anonymous_body_is_refused_before_the_server_reads_it()
    {
        var uri = new Uri(_cloud.BaseUrl);
        foreach (var route in JsonRoutes)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(uri.Host, uri.Port);
            var stream = tcp.GetStream();
            var head = $"POST {route} HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: application/json\r\nContent-Length: {25 * 1024 * 1024}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(Encoding.ASCII.GetBytes("[" + new string('1', 16 * 1024)));

            // The rest of the body is never sent: a server that reads before it checks the token cannot answer.
            Assert.Equal("HTTP/1.1 401 Unauthorized", await StatusLineAsync(stream, TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public async Task An_admin_json_body_over_its_cap_gets_413()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_cloud.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ModelCloud.Token);
        var huge = "{\"scope\":\"org\",\"name\":\"" + new string('x', 200 * 1024) + "\",\"version\":\"1.0.0\"}";

        using var reply = await http.PostAsync("/api/models/assignments", new StringContent(huge, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, reply.StatusCode);
    }

    [Fact]
    public async Task Model_actions_record_the_name_of_the_token_that_made_them()
    {
        var dir = await HeadsPackages.WriteAsync(_work, _cloud, "actor-heads", "1.0.0", HeadsPackages.Heads(0.5f));
        using (var alice = new ModelsApiClient(_cloud.BaseUrl, AliceToken))
            Assert.Equal(0, await ModelsCommands.PushAsync(alice, new DirectoryInfo(dir), "branch:actor-test", 0, CancellationToken.None));
        using (var bob = new ModelsApiClient(_cloud.BaseUrl, BobToken))
            await bob.PostJsonAsync("api/models/rollback", new { scope = "branch:actor-test" }, CancellationToken.None);

        var audit = await AuditAsync();
        Assert.Contains("alice pushed", audit);
        Assert.Contains("alice assigned", audit);
        Assert.Contains("bob rolled_back", audit);
        Assert.DoesNotContain(audit, a => a.StartsWith("admin-token", StringComparison.Ordinal));
    }

    private async Task<List<string>> AuditAsync()
    {
        await using var cmd = _cloud.Db.CreateCommand("SELECT actor || ' ' || action FROM model_audit ORDER BY id");
        var rows = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }

    private static async Task<string> StatusLineAsync(NetworkStream stream, TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        var line = new StringBuilder();
        var one = new byte[1];
        try
        {
            while (await stream.ReadAsync(one, timeout.Token) == 1 && one[0] != '\n') line.Append((char)one[0]);
        }
        catch (OperationCanceledException)
        {
            return $"no answer within {patience.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
        }
        catch (IOException e)
        {
            return $"connection closed: {e.Message}";
        }
        return line.ToString().TrimEnd('\r');
    }
}
