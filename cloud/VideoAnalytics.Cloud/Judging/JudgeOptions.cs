using System.ComponentModel.DataAnnotations;

namespace VideoAnalytics.Cloud.Judging;

/// <summary><c>Cloud:Judge</c>: which backend judges clips, its questions per rule, concurrency and retries.</summary>
public sealed class JudgeOptions : IValidatableObject
{
    public const string Section = "Cloud:Judge";

    /// <summary>OpenAI-compatible server; when its endpoint is empty the embedded judge runs in the silo.</summary>
    public VlmOptions Vlm { get; set; } = new();

    /// <summary>Questions per rule, e.g. <c>Cloud:Judge:Rules:fight:Question</c>.</summary>
    public Dictionary<string, JudgeRuleOptions> Rules { get; set; } = new(StringComparer.Ordinal)
    {
        ["fight"] = new()
        {
            Question = "These are frames, in time order, from a security camera. Are people fighting (hitting, kicking, " +
                       "pushing, wrestling) in them? Ordinary walking, hugging or playing is not a fight.",
        },
    };

    /// <summary>Judge calls running at once on one silo; more wait in the worker's queue.</summary>
    [Range(1, 256, ErrorMessage = "Cloud:Judge:MaxConcurrency must be 1-256.")]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Keyframes sent to (or read by) the judge per clip, evenly spread over the clip.</summary>
    [Range(1, 64, ErrorMessage = "Cloud:Judge:MaxKeyframes must be 1-64.")]
    public int MaxKeyframes { get; set; } = 8;

    /// <summary>First wait before a clip whose judge was down is tried again; doubles per attempt up to RetryMaxDelay.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00", ErrorMessage = "Cloud:Judge:RetryInitialDelay must be 0.1 s to 1 h.")]
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Cloud:Judge:RetryMaxDelay must be 1 s to 1 day.")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a silo may hold a clip it is judging before another silo's sweeper takes it over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Cloud:Judge:Lease must be 1 s to 1 h.")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often each silo looks for clips left waiting (dead silo, judge down).</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:10:00", ErrorMessage = "Cloud:Judge:SweepInterval must be 0.2 s to 10 min.")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Judge verdicts at or above this confidence are stored as training labels (source judge).</summary>
    [Range(0.0, 1.0, ErrorMessage = "Cloud:Judge:LabelConfidence must be 0-1.")]
    public double LabelConfidence { get; set; } = 0.8;

    /// <summary>Weights of the embedded judge (JSON); empty = the weights shipped in the assembly.</summary>
    public string? EmbeddedWeightsPath { get; set; }

    public string QuestionFor(string rule) =>
        Rules.TryGetValue(rule, out var r) && !string.IsNullOrWhiteSpace(r.Question)
            ? r.Question
            : $"These are frames, in time order, from a security camera. Do they show '{rule}'?";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryMaxDelay < RetryInitialDelay)
            yield return new ValidationResult("Cloud:Judge:RetryMaxDelay must not be below Cloud:Judge:RetryInitialDelay.");
        foreach (var (rule, r) in Rules)
        {
            if (string.IsNullOrWhiteSpace(r.Question) || r.Question.Length > 4000)
                yield return new ValidationResult($"Cloud:Judge:Rules:{rule}:Question must be 1-4000 characters.");
        }
        foreach (var result in Vlm.Validate()) yield return result;
    }
}

public sealed class JudgeRuleOptions
{
    public string Question { get; set; } = "";
}

/// <summary><c>Cloud:Judge:Vlm</c>: an OpenAI-compatible chat-completions server (vLLM, Ollama, llama.cpp, LM Studio, hosted).</summary>
public sealed class VlmOptions
{
    /// <summary>Base URL up to <c>/v1</c>, e.g. <c>http://localhost:8000/v1</c>; empty = no VLM.</summary>
    public string? Endpoint { get; set; }

    public string Model { get; set; } = "";

    public string? ApiKey { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Attempts per judge call on transient errors (5xx, 429, timeouts), with exponential backoff.</summary>
    public int MaxAttempts { get; set; } = 3;

    public TimeSpan BackoffInitial { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Requests in flight to the server at once from this silo.</summary>
    public int MaxConcurrency { get; set; } = 4;

    public int MaxTokens { get; set; } = 400;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoint);

    internal IEnumerable<ValidationResult> Validate()
    {
        if (!IsConfigured) yield break;
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            yield return new ValidationResult("Cloud:Judge:Vlm:Endpoint must be an http(s) URL such as http://localhost:8000/v1.");
        if (string.IsNullOrWhiteSpace(Model)) yield return new ValidationResult("Cloud:Judge:Vlm:Model is required when Cloud:Judge:Vlm:Endpoint is set.");
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(10)) yield return new ValidationResult("Cloud:Judge:Vlm:Timeout must be above 0 and at most 10 min.");
        if (MaxAttempts is < 1 or > 10) yield return new ValidationResult("Cloud:Judge:Vlm:MaxAttempts must be 1-10.");
        if (MaxConcurrency is < 1 or > 256) yield return new ValidationResult("Cloud:Judge:Vlm:MaxConcurrency must be 1-256.");
        if (MaxTokens is < 16 or > 8192) yield return new ValidationResult("Cloud:Judge:Vlm:MaxTokens must be 16-8192.");
        if (BackoffInitial < TimeSpan.Zero || BackoffInitial > TimeSpan.FromMinutes(1)) yield return new ValidationResult("Cloud:Judge:Vlm:BackoffInitial must be 0-1 min.");
    }
}
