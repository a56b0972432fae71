using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Judging;

/// <summary>
/// Reads a model's answer into a verdict. Tolerates what real servers send: <c>&lt;think&gt;</c> blocks, code fences, text
/// before or after the JSON, confidence as a percentage or a string, and verdict spellings ("no fight", "nofight").
/// </summary>
public static partial class JudgeReplyParser
{
    public const int MaxReasonLength = 300;

    public static bool TryParse(string? content, out Verdict verdict, out double confidence, out string reason)
    {
        verdict = Verdict.Unsure;
        confidence = 0;
        reason = "";
        if (string.IsNullOrWhiteSpace(content)) return false;
        var text = ThinkBlock().Replace(content, " ");
        foreach (var candidate in JsonObjects(text))
        {
            try
            {
                using var doc = JsonDocument.Parse(candidate);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) continue;
                if (!TryVerdict(Property(doc.RootElement, "verdict", "answer", "label"), out verdict)) continue;
                confidence = Confidence(Property(doc.RootElement, "confidence", "probability", "score"));
                reason = Property(doc.RootElement, "reason", "explanation", "rationale") is { ValueKind: JsonValueKind.String } r
                    ? Shorten(r.GetString()!) : "";
                return true;
            }
            catch (JsonException)
            {
            }
        }
        return false;
    }

    /// <summary>A short plain excerpt of a reply that held no verdict, for the reason text.</summary>
    public static string Excerpt(string? content) =>
        string.IsNullOrWhiteSpace(content) ? "(empty reply)" : Shorten(ThinkBlock().Replace(content, " "), 120);

    private static JsonElement? Property(JsonElement obj, params string[] names)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (names.Any(n => string.Equals(n, p.Name, StringComparison.OrdinalIgnoreCase))) return p.Value;
        }
        return null;
    }

    private static bool TryVerdict(JsonElement? e, out Verdict verdict)
    {
        verdict = Verdict.Unsure;
        if (e is not { ValueKind: JsonValueKind.String } s) return false;
        var v = s.GetString()!.Trim().ToLowerInvariant().Replace('-', '_').Replace(' ', '_');
        switch (v)
        {
            case "fight" or "yes" or "fighting" or "violence": verdict = Verdict.Fight; return true;
            case "no_fight" or "nofight" or "no" or "none" or "not_fight" or "normal": verdict = Verdict.NoFight; return true;
            case "unsure" or "uncertain" or "unknown" or "unclear": verdict = Verdict.Unsure; return true;
            default: return false;
        }
    }

    private static double Confidence(JsonElement? e)
    {
        double value = e switch
        {
            { ValueKind: JsonValueKind.Number } n => n.GetDouble(),
            { ValueKind: JsonValueKind.String } s when double.TryParse(s.GetString()!.Trim().TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                => s.GetString()!.Contains('%') ? d / 100 : d,
            _ => 0.5,
        };
        if (!double.IsFinite(value)) return 0.5;
        if (value > 1 && value <= 100) value /= 100;
        return Math.Clamp(value, 0, 1);
    }

    /// <summary>Balanced <c>{…}</c> spans outside JSON strings, in order; code fences and prose around them are skipped.</summary>
    private static IEnumerable<string> JsonObjects(string text)
    {
        for (var start = text.IndexOf('{'); start >= 0; start = text.IndexOf('{', start + 1))
        {
            var depth = 0;
            var inString = false;
            for (var i = start; i < text.Length; i++)
            {
                var c = text[i];
                if (inString)
                {
                    if (c == '\\') i++;
                    else if (c == '"') inString = false;
                    continue;
                }
                if (c == '"') inString = true;
                else if (c == '{') depth++;
                else if (c == '}' && --depth == 0)
                {
                    yield return text[start..(i + 1)];
                    break;
                }
            }
        }
    }

    private static string Shorten(string s, int max = MaxReasonLength)
    {
        var flat = Whitespace().Replace(s, " ").Trim();
        return flat.Length <= max ? flat : flat[..(max - 1)] + "…";
    }

    [GeneratedRegex(@"<think>.*?(</think>|$)", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex ThinkBlock();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
