using System.Security.Cryptography;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Edge.Spool;

namespace VideoAnalytics.Edge.Uplink;

/// <summary>The wire form of what the device sends (ARCHITECTURE §3): QoS 1 messages built from spooled items.</summary>
public static class UplinkMessages
{
    /// <summary>
    /// A track batch or gate event is one message. A clip is its manifest (with the index -1 chunk header as user
    /// properties) followed by chunks of at most <see cref="Limits.MaxChunkBytes"/>, each with its own header.
    /// </summary>
    public static IReadOnlyList<MqttApplicationMessage> ForItem(SpoolPayload item) =>
        item.Entry.Kind == SpoolItemKind.Clip ? ForClip(item.Topic, item.Json, item.Blob) : [Build(item.Topic, item.Json, [])];

    public static IReadOnlyList<MqttApplicationMessage> ForClip(string topic, ReadOnlyMemory<byte> manifestJson, ReadOnlyMemory<byte> blob)
    {
        if (!ContractJson.TryRead<ClipManifest>(manifestJson.Span, DateTimeOffset.UtcNow, out var manifest, out var error))
            throw new InvalidDataException($"spooled clip manifest is not valid: {error}");
        var messages = new List<MqttApplicationMessage>(manifest.ChunkCount + 1)
        {
            Build(topic, manifestJson, new ClipChunkHeader(manifest.ClipId, ClipChunkHeader.ManifestIndex, manifest.ChunkCount, manifest.Sha256).ToUserProperties()),
        };
        for (var i = 0; i < manifest.ChunkCount; i++)
        {
            var offset = i * manifest.ChunkSize;
            var chunk = blob.Slice(offset, Math.Min(manifest.ChunkSize, blob.Length - offset));
            var sha = Convert.ToHexStringLower(SHA256.HashData(chunk.Span));
            messages.Add(Build(topic, chunk, new ClipChunkHeader(manifest.ClipId, i, manifest.ChunkCount, sha).ToUserProperties()));
        }
        return messages;
    }

    public static MqttApplicationMessage Json<T>(string topic, T message, bool retain) where T : class =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(ContractJson.Serialize(message))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retain)
            .WithContentType("application/json").Build();

    private static MqttApplicationMessage Build(string topic, ReadOnlyMemory<byte> payload, IEnumerable<KeyValuePair<string, string>> properties)
    {
        var builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayloadSegment(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        foreach (var (k, v) in properties) builder.WithUserProperty(k, Encoding.UTF8.GetBytes(v).AsMemory());
        return builder.Build();
    }
}
