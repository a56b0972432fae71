using System.Text.Json;
using System.Text.Json.Serialization;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Contracts.Serialization;

/// <summary>Source-generated JSON for every contract type: camelCase, no reflection at run time.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(DeviceStatus))]
[JsonSerializable(typeof(TrackBatch))]
[JsonSerializable(typeof(GateEvent))]
[JsonSerializable(typeof(ClipManifest))]
[JsonSerializable(typeof(Judgment))]
[JsonSerializable(typeof(Alert))]
[JsonSerializable(typeof(ModelManifest))]
[JsonSerializable(typeof(DesiredModelState))]
[JsonSerializable(typeof(ReportedModelState))]
[JsonSerializable(typeof(Dictionary<string, float>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
public sealed partial class ContractJsonContext : JsonSerializerContext;

/// <summary>Serialises contract messages and reads them back with size, JSON and validation checks.</summary>
public static class ContractJson
{
    public static byte[] Serialize<T>(T message) where T : class =>
        JsonSerializer.SerializeToUtf8Bytes(message, typeof(T), ContractJsonContext.Default);

    public static string SerializeToString<T>(T message) where T : class =>
        JsonSerializer.Serialize(message, typeof(T), ContractJsonContext.Default);

    /// <summary>
    /// Parses and validates a payload. Never throws for bad input: returns false with one line saying why.
    /// </summary>
    public static bool TryRead<T>(ReadOnlySpan<byte> payload, DateTimeOffset now, out T message, out string error)
        where T : class, IContractMessage
    {
        message = null!;
        if (payload.Length == 0) { error = "empty payload"; return false; }
        if (payload.Length > Limits.MaxJsonPayloadBytes) { error = $"payload of {payload.Length} bytes is over {Limits.MaxJsonPayloadBytes}"; return false; }
        try
        {
            if (JsonSerializer.Deserialize(payload, typeof(T), ContractJsonContext.Default) is not T parsed)
            { error = "payload is JSON null"; return false; }
            var reasons = parsed.Validate(now);
            if (reasons.Count > 0) { error = string.Join("; ", reasons.Take(5)); return false; }
            message = parsed;
            error = "";
            return true;
        }
        catch (JsonException e)
        {
            error = $"malformed JSON: {e.Message.Split('.')[0]}";
            return false;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException or FormatException or OverflowException)
        {
            // Source-generated readers throw these for some shape mismatches; they are bad input, not bugs.
            error = $"unreadable payload: {e.GetType().Name}";
            return false;
        }
    }
}
