using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VideoAnalytics.Cloud.Tests.Infrastructure;

/// <summary>A reply the test server gives: status, body, and how long it waits first.</summary>
public sealed record VlmReply(int Status, string Body, TimeSpan Delay = default)
{
    /// <summary>A chat-completions reply whose message content is <paramref name="content"/>.</summary>
    public static VlmReply Content(string content) => new(200, JsonSerializer.Serialize(new
    {
        id = "chatcmpl-test", @object = "chat.completion", model = "test-vlm",
        choices = new[] { new { index = 0, finish_reason = "stop", message = new { role = "assistant", content } } },
    }));

    public static VlmReply Verdict(string verdict, double confidence, string reason) =>
        Content(JsonSerializer.Serialize(new { verdict, confidence, reason }));
}

/// <summary>
/// A local HTTP server speaking the OpenAI chat-completions protocol on a free port. Each request's JSON body is kept;
/// the reply comes from a function of the request number and body, so tests script slow, malformed, refusing and 5xx replies.
/// </summary>
public sealed class FakeVlmServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private int count;

    private FakeVlmServer(WebApplication app) => this.app = app;

    public Func<int, JsonDocument, VlmReply> Respond { get; set; } = (_, _) => VlmReply.Verdict("fight", 0.9, "two people exchange punches");

    public ConcurrentQueue<JsonDocument> Requests { get; } = new();

    public int Count => Volatile.Read(ref count);

    public string Endpoint => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/v1";

    public static async Task<FakeVlmServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeVlmServer(app);
        app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            server.Requests.Enqueue(body);
            var n = Interlocked.Increment(ref server.count);
            var reply = server.Respond(n, body);
            if (reply.Delay > TimeSpan.Zero)
            {
                try { await Task.Delay(reply.Delay, context.RequestAborted); }
                catch (OperationCanceledException) { return; }
            }
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(reply.Body, context.RequestAborted);
        });
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
