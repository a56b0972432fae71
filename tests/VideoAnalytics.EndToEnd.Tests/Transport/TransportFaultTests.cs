namespace VideoAnalytics.EndToEnd.Tests.Transport;

/// <summary>
/// Real processes killed with -9 while clips and track batches flow through the secure broker: the production spool,
/// uplink and ingest (run by tests/VideoAnalytics.Transport.TestHosts) must lose nothing and duplicate nothing.
/// </summary>
public sealed class TransportFaultTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task BrokerKilledAndRestartedLosesNothing()
    {
        await using var rig = await TransportRig.StartAsync();
        var ingest = rig.StartIngest();
        var device = rig.StartDevice(clips: 50, tracks: 1000, pauseMs: 4);

        Assert.True(await device.WaitForAsync(l => l.Count(x => x.StartsWith("spooled tracks", StringComparison.Ordinal)) >= 300, Bound), device.Tail(40));
        rig.Broker.Kill();
        await Task.Delay(1000);
        await rig.Broker.RestartAsync();

        Assert.True(await device.WaitForAsync(l => l.Any(x => x.StartsWith("drained", StringComparison.Ordinal)), Bound), "device did not drain: " + device.Tail(40));
        var (clips, tracks) = TransportRig.Spooled(device.Lines);
        Assert.Equal(50, clips.Count);
        Assert.Equal(1000, tracks.Count);
        await AssertAllStoredOnceAsync(rig, clips, tracks);
        Assert.False(ingest.HasExited, ingest.Tail(40));
    }

    [Fact]
    public async Task DeviceKilledMidSpoolResendsEverySpooledItemOnce()
    {
        await using var rig = await TransportRig.StartAsync();
        rig.StartIngest();
        var first = rig.StartDevice(clips: 40, tracks: 400, pauseMs: 5);
        Assert.True(await first.WaitForAsync(l => l.Count(x => x.StartsWith("spooled clip", StringComparison.Ordinal)) >= 15, Bound), first.Tail(40));
        first.Kill();
        var (clips, tracks) = TransportRig.Spooled(first.Lines);
        // The broker tells the cloud at once, with the Last Will the uplink registered: a retained offline status.
        Assert.True(await rig.WaitForOfflineStatusAsync(Bound), "no offline status (Last Will) reached the inbox");

        // Restarted on the same spool folder with nothing new to send: it only drains what survived the kill.
        var second = rig.StartDevice(clips: 0, tracks: 0);
        Assert.True(await second.WaitForAsync(l => l.Any(x => x.StartsWith("drained", StringComparison.Ordinal)), Bound), "device did not drain: " + second.Tail(40));
        await AssertAllStoredOnceAsync(rig, clips, tracks, exact: false);
        Assert.Empty(Directory.EnumerateFiles(rig.SpoolDir, "*.tmp"));
    }

    [Fact]
    public async Task IngestKilledAndRestartedLosesAndDuplicatesNothing()
    {
        await using var rig = await TransportRig.StartAsync();
        var firstIngest = rig.StartIngest();
        var device = rig.StartDevice(clips: 40, tracks: 600, pauseMs: 5);
        Assert.True(await device.WaitForAsync(l => l.Count(x => x.StartsWith("spooled clip", StringComparison.Ordinal)) >= 12, Bound), device.Tail(40));
        firstIngest.Kill();
        await Task.Delay(1500);
        var secondIngest = rig.StartIngest();

        Assert.True(await device.WaitForAsync(l => l.Any(x => x.StartsWith("drained", StringComparison.Ordinal)), Bound), "device did not drain: " + device.Tail(40));
        var (clips, tracks) = TransportRig.Spooled(device.Lines);
        Assert.Equal(40, clips.Count);
        await AssertAllStoredOnceAsync(rig, clips, tracks);
        Assert.False(secondIngest.HasExited, secondIngest.Tail(40));
    }

    /// <summary>
    /// Every spooled item is stored, none twice. With <paramref name="exact"/> nothing else is stored either (a device
    /// killed mid-enqueue may have made an item durable without printing it, so that test is not exact).
    /// </summary>
    private static async Task AssertAllStoredOnceAsync(TransportRig rig, HashSet<string> clips, HashSet<long> tracks, bool exact = true)
    {
        var stored = await rig.WaitForAllAsync(clips, tracks, Bound);
        var missing = clips.Except(stored.DispatchedClips).ToList();
        Assert.True(missing.Count == 0, $"clips not dispatched: {await rig.DescribeClipsAsync(missing)}");
        Assert.Empty(tracks.Except(stored.TrackSequences.Keys));
        // Exactly once: no sequence stored twice, and no clip row that was never spooled.
        Assert.DoesNotContain(stored.TrackSequences, kv => kv.Value != 1);
        if (exact)
        {
            Assert.Equal(clips.Count, stored.ClipRows);
            Assert.Equal(tracks.Count, stored.TrackSequences.Count);
        }
    }
}
