using System.Security.Cryptography;
using OpenCvSharp;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests.Infrastructure;

/// <summary>Real clips for tests: keyframes taken from the labelled videos, stored as ingest stores them.</summary>
public static class TestClips
{
    /// <summary>Stores a clip of <paramref name="keyframes"/> JPEG keyframes of <paramref name="video"/> and returns its manifest.</summary>
    public static async Task<ClipManifest> StoreAsync(IClipStore store, string video, string branch, string site, string device, string camera,
        int keyframes = 4, DateTimeOffset? at = null, string rule = "fight")
    {
        var now = at ?? DateTimeOffset.UtcNow;
        var clipId = ClipIds.New(now);
        var jpegs = new List<byte[]>();
        foreach (var frame in VideoAnalytics.Cloud.Judging.EmbeddedJudgeTrainer.SampleKeyframes(video, keyframes))
        {
            using (frame)
            {
                Cv2.ImEncode(".jpg", frame, out var jpeg);
                jpegs.Add(jpeg);
            }
        }
        var files = new List<ClipFile>();
        var keys = new List<Keyframe>();
        long offset = 0;
        using var blob = new MemoryStream();
        for (var i = 0; i < jpegs.Count; i++)
        {
            var name = $"kf-{i:D3}.jpg";
            files.Add(new ClipFile(name, "image/jpeg", offset, jpegs[i].Length, Convert.ToHexStringLower(SHA256.HashData(jpegs[i]))));
            keys.Add(new Keyframe(name, i * 500, []));
            blob.Write(jpegs[i]);
            offset += jpegs[i].Length;
        }
        var bytes = blob.ToArray();
        blob.Position = 0;
        await store.PutAsync("clips/" + clipId, blob, CancellationToken.None);
        return new ClipManifest
        {
            ClipId = clipId, Branch = branch, Site = site, Device = device, Camera = camera, TimeUtc = now,
            StartUtc = now.AddSeconds(-2), EndUtc = now, Rule = rule, Decision = GateDecision.Uncertain, Score = 0.55,
            FrameWidth = 640, FrameHeight = 360, Files = files, Keyframes = keys,
            Features = new Dictionary<string, float> { ["motion"] = 0.4f }, SceneEmbedding = [0.1f, 0.2f, 0.3f],
            TotalBytes = bytes.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)), ChunkCount = 1, ChunkSize = Math.Max(1, bytes.Length),
        };
    }

    public static string FightVideo => TestEnvironment.Videos("survfight", "fight", "fi005.mp4");

}
