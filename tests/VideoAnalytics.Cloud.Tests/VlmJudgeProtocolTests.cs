using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VideoAnalytics.Cloud.Judging;
using VideoAnalytics.Cloud.Tests.Infrastructure;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Tests;

/// <summary>The VLM judge speaks OpenAI chat completions to a real local HTTP server, including its bad days.</summary>
public sealed class VlmJudgeProtocolTests : IAsyncLifetime
{
    private FakeVlmServer server = null!;
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        server = await FakeVlmServer.StartAsync();
        services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Sends_keyframes_as_data_uris_with_the_question_and_a_json_schema()
    {
        using var judge = Judge();
        var result = await judge.JudgeAsync(Request(3), CancellationToken.None);

        Assert.Equal(Verdict.Fight, result.Verdict);
        Assert.Equal(0.9, result.Confidence, 3);
        Assert.Equal("two people exchange punches", result.Reason);
        Assert.StartsWith("vlm:test-vlm@", result.Backend);
        var body = Assert.Single(server.Requests).RootElement;
        Assert.Equal("test-vlm", body.GetProperty("model").GetString());
        Assert.Equal("json_schema", body.GetProperty("response_format").GetProperty("type").GetString());
        var parts = body.GetProperty("messages")[1].GetProperty("content").EnumerateArray().ToList();
        Assert.Contains("Is anyone fighting?", parts[0].GetProperty("text").GetString());
        var images = parts.Where(p => p.GetProperty("type").GetString() == "image_url").ToList();
        Assert.Equal(3, images.Count);
        Assert.All(images, i => Assert.StartsWith("data:image/jpeg;base64,", i.GetProperty("image_url").GetProperty("url").GetString()));
    }

    [Fact]
    public async Task Falls_back_to_json_object_then_plain_when_the_server_rejects_response_formats()
    {
        server.Respond = (_, body) => body.RootElement.TryGetProperty("response_format", out JsonElement _)
            ? new VlmReply(400, """{"error":{"message":"response_format is not supported by this model"}}""")
            : VlmReply.Verdict("no_fight", 0.8, "people walk past each other");
        using var judge = Judge();
        var result = await judge.JudgeAsync(Request(2), CancellationToken.None);

        Assert.Equal(Verdict.NoFight, result.Verdict);
        Assert.Equal("none", judge.ResponseFormat);
        var formats = server.Requests.Select(r => r.RootElement.TryGetProperty("response_format", out var f) ? f.GetProperty("type").GetString() : "none").ToList();
        Assert.Equal(["json_schema", "json_object", "none"], formats);
    }

    [Fact]
    public async Task Reads_answers_wrapped_in_think_blocks_code_fences_and_prose()
    {
        server.Respond = (_, _) => VlmReply.Content(
            "<think>Frame 1 shows two men. {\"verdict\": \"no_fight\"} maybe? No, they swing.</think>\nHere is my answer:\n```json\n" +
            "{\"verdict\": \"Fight\", \"confidence\": \"85%\", \"reason\": \"one man punches the other\"}\n```\nLet me know if you need more.");
        using var judge = Judge();
        var result = await judge.JudgeAsync(Request(2), CancellationToken.None);
        Assert.Equal(Verdict.Fight, result.Verdict);
        Assert.Equal(0.85, result.Confidence, 3);
        Assert.Equal("one man punches the other", result.Reason);
    }

    [Fact]
    public async Task A_refusal_or_unreadable_answer_is_unsure_with_the_reason_in_plain_words()
    {
        server.Respond = (_, _) => VlmReply.Content("I'm sorry, but I can't help with analysing people in surveillance footage.");
        using var judge = Judge();
        var result = await judge.JudgeAsync(Request(2), CancellationToken.None);
        Assert.Equal(Verdict.Unsure, result.Verdict);
        Assert.Equal(0, result.Confidence);
        Assert.Contains("can't help", result.Reason);
        Assert.Equal(1, server.Count);
    }

    [Fact]
    public async Task Retries_5xx_and_429_with_backoff_then_answers()
    {
        server.Respond = (n, _) => n switch
        {
            1 => new VlmReply(503, """{"error":"loading model"}"""),
            2 => new VlmReply(429, """{"error":"rate limited"}"""),
            _ => VlmReply.Verdict("fight", 0.7, "shoving near the door"),
        };
        using var judge = Judge(maxAttempts: 3);
        var result = await judge.JudgeAsync(Request(1), CancellationToken.None);
        Assert.Equal(Verdict.Fight, result.Verdict);
        Assert.Equal(3, server.Count);
    }

    [Fact]
    public async Task A_server_that_stays_down_or_too_slow_makes_the_judge_unavailable()
    {
        server.Respond = (_, _) => new VlmReply(500, "{}");
        using (var judge = Judge(maxAttempts: 2))
        {
            var e = await Assert.ThrowsAsync<JudgeUnavailableException>(() => judge.JudgeAsync(Request(1), CancellationToken.None));
            Assert.Contains("HTTP 500", e.Message);
        }
        Assert.Equal(2, server.Count);

        server.Respond = (_, _) => VlmReply.Verdict("fight", 0.9, "late") with { Delay = TimeSpan.FromSeconds(10) };
        using (var slow = Judge(maxAttempts: 2, timeout: TimeSpan.FromMilliseconds(300)))
        {
            var e = await Assert.ThrowsAsync<JudgeUnavailableException>(() => slow.JudgeAsync(Request(1), CancellationToken.None));
            Assert.Contains("no reply within", e.Message);
        }
    }

    [Theory]
    [InlineData("""{"verdict":"no fight","confidence":0.6,"reason":"r"}""", Verdict.NoFight, 0.6)]
    [InlineData("""{"Verdict":"unsure","Confidence":70,"Reason":"dark"}""", Verdict.Unsure, 0.7)]
    [InlineData("""noise {"a":1} then {"verdict":"fight","confidence":250,"reason":"x"} trailing""", Verdict.Fight, 1.0)]
    public void Parser_normalises_verdicts_and_confidences(string content, Verdict verdict, double confidence)
    {
        Assert.True(JudgeReplyParser.TryParse(content, out var v, out var c, out _));
        Assert.Equal(verdict, v);
        Assert.Equal(confidence, c, 3);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"verdict\": \"maybe\"}")]
    [InlineData("{\"verdict\": \"fight\"")]
    public void Parser_rejects_answers_without_a_verdict(string content) =>
        Assert.False(JudgeReplyParser.TryParse(content, out _, out _, out _));

    private VlmJudge Judge(int maxAttempts = 3, TimeSpan? timeout = null) =>
        new(services.GetRequiredService<IHttpClientFactory>(), Options.Create(new JudgeOptions
        {
            Vlm = new VlmOptions
            {
                Endpoint = server.Endpoint, Model = "test-vlm", MaxAttempts = maxAttempts, Timeout = timeout ?? TimeSpan.FromSeconds(10),
                BackoffInitial = TimeSpan.FromMilliseconds(50),
            },
        }), NullLogger<VlmJudge>.Instance);

    private static JudgeRequest Request(int frames)
    {
        var now = DateTimeOffset.UtcNow;
        var manifest = new ClipManifest
        {
            ClipId = "20260101-000000-000-abcdef0123", Branch = "b", Site = "s", Device = "d", Camera = "c", TimeUtc = now,
            StartUtc = now.AddSeconds(-3), EndUtc = now, Rule = "fight", Decision = GateDecision.Uncertain, Score = 0.5,
            Files = [], TotalBytes = 1, Sha256 = new string('0', 64), ChunkCount = 1, ChunkSize = 1,
        };
        var jpeg = new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9 };
        return new JudgeRequest(manifest, Enumerable.Range(0, frames).Select(_ => (ReadOnlyMemory<byte>)jpeg).ToList(), "Is anyone fighting?");
    }
}
