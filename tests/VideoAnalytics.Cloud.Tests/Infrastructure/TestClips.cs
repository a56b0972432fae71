using System.Security.Cryptography;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using OpenCvSharp;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests.Infrastructure;

/// <summary>Real clips for tests: keyframes taken from the labelled videos, stored as ingest stores them.</summary>
public static class TestClips
{
    /// <summary>Stores a clip of <paramref name="keyframes"/> JPEG keyframes of <paramref name="video"/> as ingest would, and returns its manifest.</summary>
    public static async Task<ClipManifest> StoreAsync(IClipStore store, string video, string branch, string site, string device, string camera,
        int keyframes = 4, DateTimeOffset? at = null, string rule = "fight")
    {
        var (manifest, blob) = Build(video, branch, site, device, camera, keyframes, at, rule);
        await store.PutAsync("clips/" + manifest.ClipId, new MemoryStream(blob), CancellationToken.None);
        return manifest;
    }

    /// <summary>A clip as the edge sends it: keyframe JPEGs concatenated into one blob, described by its manifest.</summary>
    public static (ClipManifest Manifest, byte[] Blob) Build(string video, string branch, string site, string device, string camera,
        int keyframes = 4, DateTimeOffset? at = null, string rule = "fight")
    {
        var now = at ?? DateTimeOffset.UtcNow;
        var clipId = ClipIds.New(now);
        var files = new List<ClipFile>();
        var keys = new List<Keyframe>();
        using var blob = new MemoryStream();
        var frames = VideoAnalytics.Cloud.Judging.EmbeddedJudgeTrainer.SampleKeyframes(video, keyframes);
        for (var i = 0; i < frames.Count; i++)
        {
            using var frame = frames[i];
            Cv2.ImEncode(".jpg", frame, out var jpeg);
            var name = $"kf-{i:D3}.jpg";
            files.Add(new ClipFile(name, "image/jpeg", blob.Position, jpeg.Length, Convert.ToHexStringLower(SHA256.HashData(jpeg))));
            keys.Add(new Keyframe(name, i * 500, []));
            blob.Write(jpeg);
        }
        var bytes = blob.ToArray();
        var manifest = new ClipManifest
        {
            ClipId = clipId, Branch = branch, Site = site, Device = device, Camera = camera, TimeUtc = now,
            StartUtc = now.AddSeconds(-2), EndUtc = now, Rule = rule, Decision = GateDecision.Uncertain, Score = 0.55,
            FrameWidth = 640, FrameHeight = 360, Files = files, Keyframes = keys,
            Features = new Dictionary<string, float> { ["motion"] = 0.4f }, SceneEmbedding = [0.1f, 0.2f, 0.3f],
            TotalBytes = bytes.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            ChunkSize = Limits.MaxChunkBytes, ChunkCount = (int)((bytes.Length + Limits.MaxChunkBytes - 1) / Limits.MaxChunkBytes),
        };
        return (manifest, bytes);
    }

    /// <summary>The MQTT messages of a clip (§3): the manifest with the index -1 header, then its chunks, all QoS 1.</summary>
    public static IEnumerable<MqttApplicationMessage> Messages(ClipManifest manifest, byte[] blob)
    {
        var topic = MqttTopics.Clip(new CameraId(new DeviceId(manifest.Branch, manifest.Site, manifest.Device), manifest.Camera), manifest.ClipId);
        yield return Message(topic, ContractJson.Serialize(manifest),
            new ClipChunkHeader(manifest.ClipId, ClipChunkHeader.ManifestIndex, manifest.ChunkCount, manifest.Sha256));
        for (var i = 0; i < manifest.ChunkCount; i++)
        {
            var chunk = blob.AsMemory(i * manifest.ChunkSize, Math.Min(manifest.ChunkSize, blob.Length - i * manifest.ChunkSize));
            yield return Message(topic, chunk, new ClipChunkHeader(manifest.ClipId, i, manifest.ChunkCount, Convert.ToHexStringLower(SHA256.HashData(chunk.Span))));
        }
    }

    private static MqttApplicationMessage Message(string topic, ReadOnlyMemory<byte> payload, ClipChunkHeader header)
    {
        var builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayloadSegment(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        foreach (var (k, v) in header.ToUserProperties()) builder.WithUserProperty(k, Encoding.UTF8.GetBytes(v).AsMemory());
        return builder.Build();
    }

    public static string FightVideo => TestEnvironment.Videos("survfight", "fight", "fi005.mp4");

    /// <summary>Labelled videos of one kind ("fight" or "nofight") from fight_labels.csv.</summary>
    public static IReadOnlyList<string> Videos(string label) =>
        File.ReadAllLines(TestEnvironment.FightLabelsCsv).Skip(1).Select(l => l.Split(','))
            .Where(p => p.Length > 1 && p[1] == label).Select(p => TestEnvironment.Videos(p[0])).ToList();

}
