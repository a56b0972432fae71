using System.Security.Cryptography;
using System.Text;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;

namespace VideoAnalytics.Cloud.Ingest;

/// <summary>
/// Checks one MQTT message against the contract: topic, size, schema, ids that match the topic, chunk headers and
/// chunk hashes. Pure, never throws for bad input.
/// </summary>
internal static class IngestValidator
{
    public static bool TryValidate(string topic, ReadOnlySpan<byte> payload, IEnumerable<KeyValuePair<string, string>> userProperties,
        DateTimeOffset now, out IngestItem item, out IngestRejection rejection)
    {
        item = null!;
        rejection = null!;
        if (!MqttTopics.TryParse(topic, out var t, out var topicError))
        {
            rejection = new("unknown", RejectReasons.Topic, topicError);
            return false;
        }
        var device = t.Device is null ? "unknown" : $"{t.Branch}/{t.Site}/{t.Device}";
        switch (t.Kind)
        {
            case TopicKind.Tracks:
                return Accept<TrackBatch>(payload, now, t, device, (m, json) => new TrackBatchItem(m, json), out item, out rejection);
            case TopicKind.Events:
                return Accept<GateEvent>(payload, now, t, device, (m, json) => new GateEventItem(m, json), out item, out rejection);
            case TopicKind.Status:
                return Accept<DeviceStatus>(payload, now, t, device, (m, json) => new StatusItem(m, json), out item, out rejection);
            case TopicKind.ModelsReported:
                return Accept<ReportedModelState>(payload, now, t, device, (m, json) => new ModelsReportedItem(m, json), out item, out rejection);
            case TopicKind.Clip:
                return TryValidateClipMessage(t, device, payload, userProperties, now, out item, out rejection);
            default:
                rejection = new(device, RejectReasons.Topic, $"{t.Kind} topics are not sent to the cloud");
                return false;
        }
    }

    private static bool Accept<T>(ReadOnlySpan<byte> payload, DateTimeOffset now, ParsedTopic t, string device,
        Func<T, string, IngestItem> make, out IngestItem item, out IngestRejection rejection) where T : class, IDeviceMessage
    {
        item = null!;
        rejection = null!;
        if (!Read<T>(payload, now, t, out var message, out var error))
        {
            rejection = new(device, Classify(error), error);
            return false;
        }
        item = make(message, Encoding.UTF8.GetString(payload));
        return true;
    }

    private static bool TryValidateClipMessage(ParsedTopic t, string device, ReadOnlySpan<byte> payload,
        IEnumerable<KeyValuePair<string, string>> userProperties, DateTimeOffset now, out IngestItem item, out IngestRejection rejection)
    {
        item = null!;
        if (!ClipChunkHeader.TryParse(userProperties, out var header, out var headerError))
        {
            rejection = new(device, RejectReasons.ChunkHeader, headerError);
            return false;
        }
        if (header.ClipId != t.ClipId)
        {
            rejection = new(device, RejectReasons.IdsMismatch, $"chunk clipId {header.ClipId} is not the topic's {t.ClipId}");
            return false;
        }
        if (header.IsManifest)
        {
            if (!Read<ClipManifest>(payload, now, t, out var manifest, out var error))
            {
                rejection = new(device, Classify(error), error);
                return false;
            }
            if (manifest.ClipId != t.ClipId || header.Count != manifest.ChunkCount || header.Sha256 != manifest.Sha256)
            {
                rejection = new(device, RejectReasons.IdsMismatch, $"manifest {manifest.ClipId} does not match its topic or header");
                return false;
            }
            item = new ClipManifestItem(manifest, Encoding.UTF8.GetString(payload));
            rejection = null!;
            return true;
        }
        if (payload.Length is 0 or > Limits.MaxChunkBytes)
        {
            rejection = new(device, RejectReasons.Size, $"chunk of {payload.Length} bytes is outside 1-{Limits.MaxChunkBytes}");
            return false;
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(payload, hash);
        if (Convert.ToHexStringLower(hash) != header.Sha256)
        {
            rejection = new(device, RejectReasons.ChunkHash, $"chunk {header.Index} of clip {header.ClipId} does not match its sha256");
            return false;
        }
        item = new ClipChunkItem(t.Branch, t.Site, t.Device!, t.Camera!, header, payload.ToArray());
        rejection = null!;
        return true;
    }

    /// <summary>Parses, validates, and checks that the payload's ids are those of the topic it came on.</summary>
    private static bool Read<T>(ReadOnlySpan<byte> payload, DateTimeOffset now, ParsedTopic t, out T message, out string error)
        where T : class, IDeviceMessage
    {
        if (!ContractJson.TryRead(payload, now, out message, out error)) return false;
        var cameraMatches = message is not ICameraMessage c || c.Camera == t.Camera;
        if (message.Branch == t.Branch && message.Site == t.Site && message.Device == t.Device && cameraMatches) return true;
        error = $"{IdsMismatchPrefix}payload names {message.Branch}/{message.Site}/{message.Device} on topic of {t.Branch}/{t.Site}/{t.Device}";
        return false;
    }

    private const string IdsMismatchPrefix = "ids do not match the topic: ";

    private static string Classify(string error) =>
        error.StartsWith(IdsMismatchPrefix, StringComparison.Ordinal) ? RejectReasons.IdsMismatch
        : error.StartsWith("payload of ", StringComparison.Ordinal) ? RejectReasons.Size
        : error.StartsWith("malformed JSON", StringComparison.Ordinal) || error.StartsWith("unreadable", StringComparison.Ordinal)
          || error.StartsWith("empty payload", StringComparison.Ordinal) || error.StartsWith("payload is JSON null", StringComparison.Ordinal)
            ? RejectReasons.Malformed
        : error.StartsWith("schema is ", StringComparison.Ordinal) ? RejectReasons.Schema
        : RejectReasons.Invalid;
}
