using System.Security.Cryptography;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests.Ingest;

public sealed class IngestStoresEachMessageOnceTests
{
    private readonly CameraId Camera = InProcessIngest.UniqueCamera();

    [Fact]
    public async Task RedeliveredMessagesAndChunksChangeNothing()
    {
        await using var ingest = await InProcessIngest.StartAsync();
        var batch = SampleMessages.Tracks(Camera, 7, 3);
        var gateEvent = SampleMessages.Event(Camera);
        var (manifest, blob) = SampleMessages.Clip(Camera, 3 * 256 * 1024 + 1000);
        var topic = MqttTopics.Clip(Camera, manifest.ClipId);

        // Every message twice, as QoS 1 redelivery may do; chunks before their manifest and out of order.
        for (var copy = 0; copy < 2; copy++)
        {
            await ingest.PublishJsonAsync(MqttTopics.Tracks(Camera), batch);
            await ingest.PublishJsonAsync(MqttTopics.Events(Camera), gateEvent);
            foreach (var i in new[] { 2, 0, 3, 1 }) await PublishChunkAsync(ingest, topic, manifest, blob, i);
        }
        await ingest.PublishAsync(topic, ContractJson.Serialize(manifest),
            new ClipChunkHeader(manifest.ClipId, ClipChunkHeader.ManifestIndex, manifest.ChunkCount, manifest.Sha256).ToUserProperties());

        Assert.True(await InProcessIngest.WaitAsync(async () =>
            await ingest.ScalarAsync($"SELECT count(*) FROM clips WHERE clip_id = '{manifest.ClipId}' AND state = 'dispatched'") == 1
            && ingest.Dispatcher.Events.ContainsKey(gateEvent.EventId)));

        Assert.Equal(1, await ingest.ScalarAsync($"SELECT count(*) FROM track_batches WHERE sequence = 7 AND branch = '{Camera.Device.Branch}'"));
        Assert.Equal(1, await ingest.ScalarAsync($"SELECT count(*) FROM ingest_inbox WHERE kind = 'event' AND branch = '{Camera.Device.Branch}'"));
        Assert.Equal(0, await ingest.ScalarAsync($"SELECT count(*) FROM clip_chunks WHERE clip_id = '{manifest.ClipId}'"));
        Assert.Equal(4, await ingest.ScalarAsync($"SELECT chunks_received FROM clips WHERE clip_id = '{manifest.ClipId}'"));
        Assert.Equal(1, ingest.Dispatcher.Clips[manifest.ClipId]);
        await using var stored = await ingest.Store.OpenReadAsync($"clips/{manifest.ClipId}", CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(manifest.Sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(stored)));
        Assert.True(ingest.Counters.TrackRecords >= 3);

        // Late copies after assembly change nothing either.
        await PublishChunkAsync(ingest, topic, manifest, blob, 0);
        await ingest.PublishJsonAsync(MqttTopics.Tracks(Camera), batch);
        await Task.Delay(500);
        Assert.Equal(0, await ingest.ScalarAsync($"SELECT count(*) FROM clip_chunks WHERE clip_id = '{manifest.ClipId}'"));
        Assert.Equal(1, await ingest.ScalarAsync($"SELECT count(*) FROM track_batches WHERE sequence = 7 AND branch = '{Camera.Device.Branch}'"));
    }

    [Fact]
    public async Task ClipWithAMissingChunkIsMarkedIncompleteAndCounted()
    {
        await using var ingest = await InProcessIngest.StartAsync(new Dictionary<string, string?> { ["Cloud:Ingest:ClipTimeoutSeconds"] = "2" });
        var (manifest, blob) = SampleMessages.Clip(Camera, 2 * 256 * 1024);
        var topic = MqttTopics.Clip(Camera, manifest.ClipId);
        await ingest.PublishAsync(topic, ContractJson.Serialize(manifest),
            new ClipChunkHeader(manifest.ClipId, ClipChunkHeader.ManifestIndex, manifest.ChunkCount, manifest.Sha256).ToUserProperties());
        await PublishChunkAsync(ingest, topic, manifest, blob, 0);

        Assert.True(await InProcessIngest.WaitAsync(async () =>
            await ingest.ScalarAsync($"SELECT count(*) FROM clips WHERE clip_id = '{manifest.ClipId}' AND state = 'incomplete'") == 1));
        Assert.True(ingest.Counters.ClipsIncomplete >= 1);
        Assert.False(ingest.Dispatcher.Clips.ContainsKey(manifest.ClipId));
    }

    [Fact]
    public async Task StatusesReachTheDispatcher()
    {
        await using var ingest = await InProcessIngest.StartAsync();
        var status = new DeviceStatus
        {
            Branch = Camera.Device.Branch, Site = "s1", Device = "d1", TimeUtc = DateTimeOffset.UtcNow, State = DeviceState.Offline,
            Spool = new SpoolHealth(10, 1, 2, 3),
        };
        await ingest.PublishJsonAsync(MqttTopics.Status(Camera.Device), status);
        Assert.True(await InProcessIngest.WaitAsync(() => Task.FromResult(ingest.Dispatcher.Statuses.Any(s => s.Branch == Camera.Device.Branch))),
            $"statuses: {ingest.Dispatcher.Statuses.Count}, rejected: {string.Join("; ", ingest.Counters.Rejections())}, accepted {ingest.Counters.Accepted}");
        Assert.Equal(3, ingest.Dispatcher.Statuses.First(s => s.Branch == Camera.Device.Branch).Spool!.DroppedClips);
    }

    internal static Task PublishChunkAsync(InProcessIngest ingest, string topic, ClipManifest manifest, byte[] blob, int index)
    {
        var chunk = blob.AsSpan(index * manifest.ChunkSize, Math.Min(manifest.ChunkSize, blob.Length - index * manifest.ChunkSize)).ToArray();
        var header = new ClipChunkHeader(manifest.ClipId, index, manifest.ChunkCount, Convert.ToHexStringLower(SHA256.HashData(chunk)));
        return ingest.PublishAsync(topic, chunk, header.ToUserProperties());
    }
}
