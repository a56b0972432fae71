using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Judging;

/// <summary>
/// A judge on an OpenAI-compatible chat-completions server (vLLM, Ollama, llama.cpp server, LM Studio, hosted APIs).
/// Sends the keyframes as JPEG data URIs with the rule's question and asks for strict JSON: a <c>json_schema</c>
/// response format first, then <c>json_object</c>, then none, stepping down once when the server rejects one.
/// Transient failures (5xx, 429, timeouts, refused connections) are retried by a Polly pipeline with exponential
/// backoff, honouring a longer Retry-After up to <see cref="MaxRetryAfter"/>; when they persist the judge is
/// unavailable and the clip waits (its grain retries later). Requests in flight are capped per silo.
/// </summary>
public sealed class VlmJudge : IJudge, IDisposable
{
    public const string HttpClientName = "va-vlm";

    /// <summary>The longest Retry-After a busy server is obeyed for before the next attempt.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);

    private const string SystemPrompt =
        "You are a careful security analyst reviewing CCTV keyframes. Answer only with a JSON object " +
        "{\"verdict\": \"fight\" | \"no_fight\" | \"unsure\", \"confidence\": number from 0 to 1, \"reason\": one short sentence in plain words}.";

    private static readonly JsonObject VerdictSchema = new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["verdict"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("fight", "no_fight", "unsure") },
            ["confidence"] = new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 1 },
            ["reason"] = new JsonObject { ["type"] = "string", ["maxLength"] = 300 },
        },
        ["required"] = new JsonArray("verdict", "confidence", "reason"),
        ["additionalProperties"] = false,
    };

    private readonly IHttpClientFactory httpFactory;
    private readonly VlmOptions options;
    private readonly ILogger<VlmJudge> logger;
    private readonly SemaphoreSlim inFlight;
    private readonly Uri completionsUri;
    private readonly ResiliencePipeline<Reply> retry;
    private int formatMode; // 0 json_schema, 1 json_object, 2 none

    public VlmJudge(IHttpClientFactory httpFactory, IOptions<JudgeOptions> judgeOptions, ILogger<VlmJudge> logger)
    {
        this.httpFactory = httpFactory;
        options = judgeOptions.Value.Vlm;
        this.logger = logger;
        inFlight = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
        completionsUri = new Uri(options.Endpoint!.TrimEnd('/') + "/chat/completions");
        Backend = $"vlm:{options.Model}@{completionsUri.Authority}";
        retry = RetryPipeline(options, logger);
    }

    public string Backend { get; }

    /// <summary>The response format now in use: json_schema, json_object or none.</summary>
    public string ResponseFormat => Volatile.Read(ref formatMode) switch { 0 => "json_schema", 1 => "json_object", _ => "none" };

    public async Task<JudgeResult> JudgeAsync(JudgeRequest request, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await inFlight.WaitAsync(ct);
        try
        {
            var reply = await retry.ExecuteAsync(token => SendAttemptAsync(request, token), ct);
            return reply.Outcome switch
            {
                SendOutcome.Answered => Interpret(reply.Content, Stopwatch.GetElapsedTime(started)),
                SendOutcome.Rejected => new JudgeResult(Verdict.Unsure, 0, $"the model server refused the request: {reply.Failure}", Backend, Stopwatch.GetElapsedTime(started)),
                _ => throw new JudgeUnavailableException($"VLM server at {completionsUri.Authority} failed {options.MaxAttempts} time(s): {reply.Failure}"),
            };
        }
        finally
        {
            inFlight.Release();
        }
    }

    public void Dispose() => inFlight.Dispose();

    private JudgeResult Interpret(string? content, TimeSpan elapsed)
    {
        if (JudgeReplyParser.TryParse(content, out var verdict, out var confidence, out var reason))
        {
            return new JudgeResult(verdict, confidence, reason.Length > 0 ? reason : "(the model gave no reason)", Backend, elapsed);
        }
        return new JudgeResult(Verdict.Unsure, 0, $"the model did not answer with a verdict: {JudgeReplyParser.Excerpt(content)}", Backend, elapsed);
    }

    private enum SendOutcome { Answered, Transient, FormatRejected, Rejected }

    private readonly record struct Reply(SendOutcome Outcome, string? Content, string Failure, TimeSpan? RetryAfter);

    /// <summary>Bounded attempts (<c>MaxAttempts</c>) on transient replies only; the other outcomes are final.</summary>
    private static ResiliencePipeline<Reply> RetryPipeline(VlmOptions o, ILogger logger)
    {
        var builder = new ResiliencePipelineBuilder<Reply>();
        if (o.MaxAttempts < 2) return builder.Build();
        return builder.AddRetry(new RetryStrategyOptions<Reply>
        {
            MaxRetryAttempts = o.MaxAttempts - 1,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome is { Exception: null, Result.Outcome: SendOutcome.Transient }),
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(RetryDelay(o.BackoffInitial, args.AttemptNumber, args.Outcome.Result.RetryAfter)),
            OnRetry = args =>
            {
                logger.LogInformation("VLM call failed ({Failure}); attempt {Attempt} of {Max}, retrying in {Delay}",
                    args.Outcome.Result.Failure, args.AttemptNumber + 1, o.MaxAttempts, args.RetryDelay);
                return default;
            },
        }).Build();
    }

    /// <summary>Doubles from <paramref name="initial"/> per retry; a longer Retry-After wins, up to <see cref="MaxRetryAfter"/>; plus up to 100 ms of jitter.</summary>
    private static TimeSpan RetryDelay(TimeSpan initial, int retry, TimeSpan? retryAfter)
    {
        var backoff = initial * Math.Pow(2, retry);
        var wait = retryAfter is { } ra && ra > backoff ? TimeSpan.FromTicks(Math.Min(ra.Ticks, MaxRetryAfter.Ticks)) : backoff;
        return wait + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 100));
    }

    /// <summary>One attempt: a server that rejects the response format gets the next one at once (a step-down is not a failed attempt).</summary>
    private async ValueTask<Reply> SendAttemptAsync(JudgeRequest request, CancellationToken ct)
    {
        while (true)
        {
            var mode = Volatile.Read(ref formatMode);
            var reply = await SendAsync(request, mode, ct);
            if (reply.Outcome != SendOutcome.FormatRejected) return reply;
            Interlocked.CompareExchange(ref formatMode, mode + 1, mode);
            logger.LogInformation("VLM server rejected response format {Mode}; using {Next} from now on", Name(mode), Name(mode + 1));
        }
    }

    private async Task<Reply> SendAsync(JudgeRequest request, int mode, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, completionsUri)
            {
                Content = new StringContent(BuildBody(request, mode), Encoding.UTF8, "application/json"),
            };
            if (!string.IsNullOrEmpty(options.ApiKey)) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
            using var response = await httpFactory.CreateClient(HttpClientName).SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) return ReadCompletion(body);
            if (code is 429 or 408 || code >= 500)
                return new(SendOutcome.Transient, null, $"HTTP {code}", response.Headers.RetryAfter?.Delta);
            // Servers that do not support a response format answer 400/422: step down to the next format.
            if (code is 400 or 422 && mode < 2) return new(SendOutcome.FormatRejected, null, $"HTTP {code}", null);
            return new(SendOutcome.Rejected, null, $"HTTP {code} {Snippet(body)}", null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new(SendOutcome.Transient, null, $"no reply within {options.Timeout.TotalSeconds:0.#} s", null);
        }
        catch (HttpRequestException e)
        {
            return new(SendOutcome.Transient, null, e.Message, null);
        }
    }

    private static Reply ReadCompletion(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (!doc.RootElement.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
                return new(SendOutcome.Transient, null, "reply has no choices", null);
            var choice = choices[0];
            if (choice.TryGetProperty("finish_reason", out var fr) && fr.ValueKind == JsonValueKind.String && fr.GetString() == "content_filter")
                return new(SendOutcome.Answered, "the model's content filter withheld the answer", "", null);
            if (!choice.TryGetProperty("message", out var msg)) return new(SendOutcome.Transient, null, "reply has no message", null);
            if (msg.TryGetProperty("refusal", out var refusal) && refusal.ValueKind == JsonValueKind.String && refusal.GetString() is { Length: > 0 } r)
                return new(SendOutcome.Answered, $"refused: {r}", "", null);
            if (!msg.TryGetProperty("content", out var content)) return new(SendOutcome.Answered, null, "", null);
            return content.ValueKind switch
            {
                JsonValueKind.String => new Reply(SendOutcome.Answered, content.GetString(), "", null),
                // Some servers return content parts.
                JsonValueKind.Array => new Reply(SendOutcome.Answered, string.Concat(content.EnumerateArray()
                    .Where(p => p.TryGetProperty("text", out _)).Select(p => p.GetProperty("text").GetString())), "", null),
                _ => new Reply(SendOutcome.Answered, null, "", null),
            };
        }
        catch (JsonException)
        {
            return new(SendOutcome.Transient, null, $"reply is not JSON: {Snippet(body)}", null);
        }
    }

    private string BuildBody(JudgeRequest request, int mode)
    {
        var parts = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "text",
                ["text"] = $"{request.Question}\nCamera {request.Manifest.Camera}, {request.KeyframesJpeg.Count} keyframes from " +
                           $"{(request.Manifest.EndUtc - request.Manifest.StartUtc).TotalSeconds:0.#} s of video. " +
                           "Reply with JSON only: {\"verdict\": \"fight\" | \"no_fight\" | \"unsure\", \"confidence\": 0-1, \"reason\": \"...\"}.",
            },
        };
        foreach (var jpeg in request.KeyframesJpeg)
        {
            parts.Add(new JsonObject
            {
                ["type"] = "image_url",
                ["image_url"] = new JsonObject { ["url"] = "data:image/jpeg;base64," + Convert.ToBase64String(jpeg.Span) },
            });
        }
        var body = new JsonObject
        {
            ["model"] = options.Model,
            ["temperature"] = 0,
            ["max_tokens"] = options.MaxTokens,
            ["messages"] = new JsonArray
            {
                new JsonObject { ["role"] = "system", ["content"] = SystemPrompt },
                new JsonObject { ["role"] = "user", ["content"] = parts },
            },
        };
        if (mode == 0)
        {
            body["response_format"] = new JsonObject
            {
                ["type"] = "json_schema",
                ["json_schema"] = new JsonObject { ["name"] = "judgment", ["strict"] = true, ["schema"] = VerdictSchema.DeepClone() },
            };
        }
        else if (mode == 1)
        {
            body["response_format"] = new JsonObject { ["type"] = "json_object" };
        }
        return body.ToJsonString();
    }

    private static string Name(int mode) => mode switch { 0 => "json_schema", 1 => "json_object", _ => "none" };

    private static string Snippet(string body) => body.Length <= 200 ? body : body[..200];
}
