using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests.Ingest;

/// <summary>
/// Durability against the database itself: ingest on a PostgreSQL with fsync on (as in production; the shared test
/// PostgreSQL runs without it for speed) that is killed with SIGKILL while clips and track batches are arriving, then
/// started again. Ingest acknowledges a message only after its commit, so what was acknowledged survived the crash and
/// the rest comes again from the broker: every clip is assembled and every batch stored exactly once.
/// </summary>
public sealed class InboxSurvivesPostgresKilledTests
{
    private const int Clips = 24;

    [Fact]
    public async Task Clips_and_tracks_arriving_while_PostgreSQL_is_killed_and_restarted_are_all_stored_once()
    {
        await using var pg = await DurablePostgres.CreateAsync();
        Assert.Equal("on", await pg.SettingAsync("fsync"));
        await using var ingest = await InProcessIngest.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = pg.ConnectionString,
            ["Cloud:Ingest:LeaseSeconds"] = "5",
        });
        var camera = InProcessIngest.UniqueCamera();
        var clips = Enumerable.Range(0, Clips).Select(_ => SampleMessages.Clip(camera, 150_000, chunkSize: 64 * 1024)).ToList();

        for (var i = 0; i < clips.Count; i++)
        {
            // Killed while the first clips are still being written; started again while later ones keep arriving.
            if (i == Clips / 3) pg.Kill();
            if (i == 2 * Clips / 3) await pg.StartAsync();
            var (manifest, blob) = clips[i];
            var topic = MqttTopics.Clip(camera, manifest.ClipId);
            await ingest.PublishAsync(topic, ContractJson.Serialize(manifest),
                new ClipChunkHeader(manifest.ClipId, ClipChunkHeader.ManifestIndex, manifest.ChunkCount, manifest.Sha256).ToUserProperties());
            for (var c = 0; c < manifest.ChunkCount; c++) await IngestStoresEachMessageOnceTests.PublishChunkAsync(ingest, topic, manifest, blob, c);
            await ingest.PublishJsonAsync(MqttTopics.Tracks(camera), SampleMessages.Tracks(camera, i, 2));
        }

        var branch = camera.Device.Branch;
        var ids = string.Join(',', clips.Select(c => $"'{c.Manifest.ClipId}'"));
        Assert.True(await InProcessIngest.WaitAsync(async () =>
            await ingest.ScalarAsync($"SELECT count(*) FROM clips WHERE clip_id IN ({ids}) AND state IN ('complete', 'dispatched')") == Clips
            && await ingest.ScalarAsync($"SELECT count(DISTINCT sequence) FROM track_batches WHERE branch = '{branch}'") == Clips, 180),
            $"stored {await ingest.ScalarAsync($"SELECT count(*) FROM clips WHERE clip_id IN ({ids}) AND state IN ('complete', 'dispatched')")} of {Clips} clips");

        Assert.Equal(Clips, await ingest.ScalarAsync($"SELECT count(*) FROM track_batches WHERE branch = '{branch}'"));
        Assert.Equal(0, await ingest.ScalarAsync($"SELECT count(*) FROM clips WHERE branch = '{branch}' AND state = 'incomplete'"));
        Assert.Equal(0, ingest.Counters.ClipsIncomplete);
        foreach (var (manifest, blob) in clips)
        {
            await using var stored = await ingest.Store.OpenReadAsync($"clips/{manifest.ClipId}", CancellationToken.None);
            Assert.NotNull(stored);
            using var copy = new MemoryStream();
            await stored.CopyToAsync(copy);
            Assert.Equal(blob, copy.ToArray());
        }
    }
}
