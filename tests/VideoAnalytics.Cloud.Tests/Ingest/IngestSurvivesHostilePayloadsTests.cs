using System.Security.Cryptography;
using VideoAnalytics.Cloud.Ingest;
using System.Text;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests.Ingest;

public sealed class IngestSurvivesHostilePayloadsTests
{
    private const int Hostile = 10_000;
    private readonly CameraId Evil = InProcessIngest.UniqueCamera("evil");
    private readonly CameraId Good;

    public IngestSurvivesHostilePayloadsTests() => Good = new DeviceId(Evil.Device.Branch, "s1", "good").Camera("cam1");

    [Fact]
    public async Task TenThousandBadPayloadsAreEachCountedWhileValidTrafficFlows()
    {
        await using var ingest = await InProcessIngest.StartAsync();
        var (manifest, blob) = SampleMessages.Clip(Evil, 1000);
        var clipTopic = MqttTopics.Clip(Evil, manifest.ClipId);
        var expected = new Dictionary<string, int>();
        var valid = 0;
        var pending = new List<Task>();
        for (var i = 0; i < Hostile; i++)
        {
            var (reason, topic, payload, props) = HostileMessage(i, manifest, clipTopic);
            expected[reason] = expected.GetValueOrDefault(reason) + 1;
            pending.Add(ingest.PublishAsync(topic, payload, props));
            if (i % 100 == 0)
            {
                pending.Add(ingest.PublishJsonAsync(MqttTopics.Tracks(Good), SampleMessages.Tracks(Good, valid++, 2)));
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);

        long Counted() => ingest.Counters.Rejections().Where(r => r.Device == Evil.Device.ToString()).Sum(r => r.Count);
        Assert.True(await InProcessIngest.WaitAsync(() => Task.FromResult(Counted() >= Hostile), 60), $"rejected {Counted()} of {Hostile}");
        Assert.True(await InProcessIngest.WaitAsync(async () =>
            await ingest.ScalarAsync($"SELECT count(*) FROM track_batches WHERE branch = '{Good.Device.Branch}' AND device = 'good'") == valid));

        var counted = ingest.Counters.Rejections().Where(r => r.Device == Evil.Device.ToString()).ToDictionary(r => r.Reason, r => r.Count);
        Assert.Equal(
            string.Join(", ", expected.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}")),
            string.Join(", ", counted.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.Equal(Hostile, counted.Values.Sum());
        Assert.Equal(0, await ingest.ScalarAsync($"SELECT count(*) FROM track_batches WHERE branch = '{Evil.Device.Branch}' AND device = 'evil'"));
        Assert.Equal(0, await ingest.ScalarAsync($"SELECT count(*) FROM clips WHERE branch = '{Evil.Device.Branch}'"));
    }

    private (string Reason, string Topic, byte[] Payload, IEnumerable<KeyValuePair<string, string>>? Props) HostileMessage(
        int i, ClipManifest manifest, string clipTopic)
    {
        var tracks = MqttTopics.Tracks(Evil);
        switch (i % 9)
        {
            case 0:
                return (RejectReasons.Malformed, tracks, RandomNumberGenerator.GetBytes(1 + i % 500), null);
            case 1:
                // Huge: over the contract's JSON limit (only now and then, to keep the test quick).
                return i % 450 == 1
                    ? (RejectReasons.Size, tracks, Encoding.UTF8.GetBytes("{\"schema\":\"" + new string('x', Limits.MaxJsonPayloadBytes + 10) + "\"}"), null)
                    : (RejectReasons.Malformed, MqttTopics.Events(Evil), "null"u8.ToArray(), null);
            case 2:
                var chunk = RandomNumberGenerator.GetBytes(1000);
                return (RejectReasons.ChunkHash, clipTopic, chunk, new ClipChunkHeader(manifest.ClipId, 0, 1, new string('0', 64)).ToUserProperties());
            case 3:
                // A device that claims to be another one in its payload.
                return (RejectReasons.IdsMismatch, tracks, ContractJson.Serialize(SampleMessages.Tracks(Good, i, 1)), null);
            case 4:
                var wrongSchema = SampleMessages.Tracks(Evil, i, 1) with { Schema = "va.tracks.v0" };
                return (RejectReasons.Schema, tracks, ContractJson.Serialize(wrongSchema), null);
            case 5:
                return (RejectReasons.ChunkHeader, clipTopic, RandomNumberGenerator.GetBytes(100), null);
            case 6:
                var absurd = SampleMessages.Tracks(Evil, -1, 1);
                return (RejectReasons.Invalid, tracks, ContractJson.Serialize(absurd), null);
            case 7:
                // A track batch that says it is a gate event.
                return (RejectReasons.Schema, tracks, ContractJson.Serialize(SampleMessages.Tracks(Evil, i, 1) with { Schema = Schemas.GateEvent }), null);
            default:
                var oversized = RandomNumberGenerator.GetBytes(Limits.MaxChunkBytes + 1);
                var header = new ClipChunkHeader(manifest.ClipId, 0, 1, Convert.ToHexStringLower(SHA256.HashData(oversized)));
                return i % 90 == 8
                    ? (RejectReasons.Size, clipTopic, oversized, header.ToUserProperties())
                    : (RejectReasons.IdsMismatch, clipTopic, oversized[..10], new ClipChunkHeader("20990101-other-clip", 0, 1, new string('1', 64)).ToUserProperties());
        }
    }
}
