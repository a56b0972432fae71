using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using VideoAnalytics.Cloud.Tests.Console.Support;
using VideoAnalytics.Cloud.Tests.Infrastructure;

namespace VideoAnalytics.Cloud.Tests.Console;

/// <summary>
/// Long-lived connections are capped: live alert streams per user (or admin token) and in all, answered 429 with
/// Retry-After beyond, while ordinary requests are still served; a client that never finishes its request headers is
/// disconnected.
/// </summary>
public sealed class LiveStreamsAreCappedTests
{
    private const string AdminToken = "live-stream-admin-token-0123";

    [Fact]
    public async Task Streams_beyond_the_per_user_and_total_caps_get_429_while_other_requests_are_served()
    {
        await using var host = await ConsoleTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Cloud:Http:MaxLiveStreamsPerUser"] = "2",
            ["Cloud:Http:MaxLiveStreams"] = "3",
            ["Cloud:Admin:ApiToken"] = AdminToken,
        });
        await host.AddUserAsync("north", "staff", "north");
        await host.AddUserAsync("boss", "admin", null);
        using var north = await host.SignedInClientAsync("north");
        using var boss = await host.SignedInClientAsync("boss");
        var open = new List<HttpResponseMessage>();
        try
        {
            open.Add(await StreamAsync(north, "/api/alerts/stream", HttpStatusCode.OK));
            open.Add(await StreamAsync(north, "/api/alerts/stream", HttpStatusCode.OK));
            using (var third = await StreamAsync(north, "/api/alerts/stream", HttpStatusCode.TooManyRequests))
                Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
            open.Add(await StreamAsync(boss, "/api/alerts/stream", HttpStatusCode.OK));
            // Three streams are open: the silo's total is reached for everyone, the admin API's stream included.
            (await StreamAsync(boss, "/api/alerts/stream", HttpStatusCode.TooManyRequests)).Dispose();
            using var operatorClient = host.NewClient();
            operatorClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
            (await StreamAsync(operatorClient, "/api/cluster/alerts/live", HttpStatusCode.TooManyRequests)).Dispose();

            // Ordinary requests are served meanwhile.
            Assert.Equal(HttpStatusCode.OK, (await north.GetAsync("/api/me")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await north.GetAsync("/api/alerts")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await operatorClient.GetAsync("/api/cluster/silo")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await host.NewClient().GetAsync("/healthz")).StatusCode);

            // A stream that ends gives its place back.
            open[0].Dispose();
            open.RemoveAt(0);
            var again = await Eventually.GetAsync(() => north.GetAsync("/api/alerts/stream", HttpCompletionOption.ResponseHeadersRead),
                r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "a stream slot freed by a client that left");
            open.Add(again);
        }
        finally
        {
            open.ForEach(r => r.Dispose());
        }
    }

    [Fact]
    public async Task A_client_that_never_finishes_its_request_headers_is_disconnected()
    {
        await using var host = await ConsoleTestHost.StartAsync(new Dictionary<string, string?> { ["Cloud:Http:RequestHeadersTimeoutSeconds"] = "2" });
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\n"));

        // The server answers (408) and closes, or just closes; a client would wait the whole 20 s on a server that does neither.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[4096];
        var received = new StringBuilder();
        var closed = false;
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, patience.Token)) > 0) received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            closed = true;
        }
        catch (IOException)
        {
            closed = true; // reset by the server
        }
        catch (OperationCanceledException)
        {
        }

        Assert.True(closed, $"the half-sent request was still open after 20 s; received: {received}");
        Assert.DoesNotContain("200 OK", received.ToString(), StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> StreamAsync(HttpClient client, string path, HttpStatusCode expected)
    {
        var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(expected, response.StatusCode);
        return response;
    }
}
