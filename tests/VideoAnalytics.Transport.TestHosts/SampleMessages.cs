using System.Security.Cryptography;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Transport.TestHosts;

/// <summary>Valid contract messages with random content, as a device would produce them.</summary>
public static class SampleMessages
{
    public static (ClipManifest Manifest, byte[] Blob) Clip(CameraId camera, int bytes, int chunkSize = Limits.MaxChunkBytes)
    {
        var blob = RandomNumberGenerator.GetBytes(bytes);
        var now = DateTimeOffset.UtcNow;
        var sha = Convert.ToHexStringLower(SHA256.HashData(blob));
        var manifest = new ClipManifest
        {
            ClipId = ClipIds.New(now),
            Branch = camera.Device.Branch,
            Site = camera.Device.Site,
            Device = camera.Device.Device,
            Camera = camera.Camera,
            TimeUtc = now,
            StartUtc = now.AddSeconds(-4),
            EndUtc = now,
            Rule = "fight",
            Decision = GateDecision.Uncertain,
            Score = 0.5,
            Files = [new ClipFile("clip.bin", "application/octet-stream", 0, bytes, sha)],
            TotalBytes = bytes,
            Sha256 = sha,
            ChunkSize = chunkSize,
            ChunkCount = (bytes + chunkSize - 1) / chunkSize,
        };
        return (manifest, blob);
    }

    public static TrackBatch Tracks(CameraId camera, long sequence, int records)
    {
        var now = DateTimeOffset.UtcNow;
        return new TrackBatch
        {
            MessageId = ClipIds.New(now),
            Sequence = sequence,
            Branch = camera.Device.Branch,
            Site = camera.Device.Site,
            Device = camera.Device.Device,
            Camera = camera.Camera,
            TimeUtc = now,
            Records = Enumerable.Range(0, records).Select(i => new TrackRecord
            {
                TrackId = sequence * 1000 + i,
                ClassName = "person",
                FirstSeenUtc = now.AddSeconds(-2),
                LastSeenUtc = now,
                Trajectory = [new TrajectoryPoint(0, 0.5f, 0.5f, 0.1f, 0.3f), new TrajectoryPoint(500, 0.52f, 0.5f, 0.1f, 0.3f)],
                MaxScore = 0.9f,
                MeanScore = 0.8f,
                Ended = true,
            }).ToList(),
        };
    }

    public static GateEvent Event(CameraId camera)
    {
        var now = DateTimeOffset.UtcNow;
        return new GateEvent
        {
            EventId = ClipIds.New(now),
            Branch = camera.Device.Branch,
            Site = camera.Device.Site,
            Device = camera.Device.Device,
            Camera = camera.Camera,
            TimeUtc = now,
            Rule = "fight",
            Decision = GateDecision.Certain,
            Score = 0.9,
            Low = 0.3,
            High = 0.8,
            WindowStartUtc = now.AddSeconds(-2),
            WindowEndUtc = now,
        };
    }
}
