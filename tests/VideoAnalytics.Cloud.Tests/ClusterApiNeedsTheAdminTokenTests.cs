using System.Net;
using System.Net.Http.Headers;
using VideoAnalytics.Cloud.Tests.Infrastructure;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests;

/// <summary>The cluster API shows every branch's devices, clips and alerts: only callers with the admin token get in.</summary>
public sealed class ClusterApiNeedsTheAdminTokenTests
{
    private const string Token = "cluster-api-token-0123456789";

    [Fact]
    public async Task Without_the_token_the_cluster_api_answers_401_and_with_it_200()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var silo = await InProcessSilo.StartAsync(db.ConnectionString, new Dictionary<string, string?> { ["Cloud:Admin:ApiToken"] = Token });
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/cluster/silo")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/cluster/alerts/live", HttpCompletionOption.ResponseHeadersRead)).StatusCode);

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/cluster/silo") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token + "x") } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);

        using var right = new HttpRequestMessage(HttpMethod.Get, "/api/cluster/silo") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token) } };
        using var response = await http.SendAsync(right);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("clusterId", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_no_token_configured_the_cluster_api_stays_closed()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var silo = await InProcessSilo.StartAsync(db.ConnectionString);
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/cluster/silo") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "") } };

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Cloud:Admin:ApiToken", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
