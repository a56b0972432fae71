using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using VideoAnalytics.Cloud.Grains.Cluster;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests;

/// <summary>The PostgreSQL membership table keeps Orleans' contract: atomic version + row writes, etag checks, clean-up.</summary>
public sealed class MembershipTableTests : IAsyncLifetime
{
    private TestDatabase db = null!;
    private NpgsqlDataSource dataSource = null!;
    private PostgresMembershipTable table = null!;

    public async Task InitializeAsync()
    {
        db = await TestDatabase.CreateAsync();
        dataSource = NpgsqlDataSource.Create(db.ConnectionString);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        table = NewTable("cluster-a");
        await table.InitializeMembershipTable(true);
    }

    public async Task DisposeAsync()
    {
        await dataSource.DisposeAsync();
        await db.DisposeAsync();
    }

    [Fact]
    public async Task Insert_then_read_returns_the_entry_and_the_next_version()
    {
        var empty = await table.ReadAll();
        Assert.Empty(empty.Members);
        Assert.Equal(0, empty.Version.Version);

        var entry = Entry(11111, SiloStatus.Joining);
        Assert.True(await table.InsertRow(entry, empty.Version.Next()));

        var all = await table.ReadAll();
        Assert.Equal(1, all.Version.Version);
        var (read, etag) = Assert.Single(all.Members);
        Assert.Equal(entry.SiloAddress, read.SiloAddress);
        Assert.Equal(SiloStatus.Joining, read.Status);
        Assert.Equal(entry.ProxyPort, read.ProxyPort);
        Assert.False(string.IsNullOrEmpty(etag));
        var row = await table.ReadRow(entry.SiloAddress);
        Assert.Equal(entry.SiloAddress, Assert.Single(row.Members).Item1.SiloAddress);
    }

    [Fact]
    public async Task Insert_with_a_stale_version_or_twice_fails_without_side_effects()
    {
        var v0 = (await table.ReadAll()).Version;
        Assert.True(await table.InsertRow(Entry(11111, SiloStatus.Joining), v0.Next()));
        // Same version etag again: someone else already moved the table on.
        Assert.False(await table.InsertRow(Entry(11112, SiloStatus.Joining), v0.Next()));
        var v1 = (await table.ReadAll()).Version;
        Assert.False(await table.InsertRow(Entry(11111, SiloStatus.Joining), v1.Next()));
        var after = await table.ReadAll();
        Assert.Single(after.Members);
        Assert.Equal(v1.Version, after.Version.Version);
        Assert.Equal(v1.VersionEtag, after.Version.VersionEtag);
    }

    [Fact]
    public async Task Update_checks_the_row_etag_and_keeps_suspicions()
    {
        var entry = Entry(11111, SiloStatus.Joining);
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var data = await table.ReadAll();
        var etag = data.Members[0].Item2;

        var voter = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 22222), 7);
        entry.Status = SiloStatus.Active;
        entry.AddOrUpdateSuspector(voter, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), 3);
        Assert.False(await table.UpdateRow(entry, "not-the-etag", data.Version.Next()));
        Assert.True(await table.UpdateRow(entry, etag, data.Version.Next()));
        // The old etag is spent.
        Assert.False(await table.UpdateRow(entry, etag, (await table.ReadAll()).Version.Next()));

        var (read, newEtag) = Assert.Single((await table.ReadAll()).Members);
        Assert.NotEqual(etag, newEtag);
        Assert.Equal(SiloStatus.Active, read.Status);
        var (suspect, time) = Assert.Single(read.SuspectTimes!);
        Assert.Equal(voter, suspect);
        Assert.Equal(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), time);
    }

    [Fact]
    public async Task IAmAlive_changes_only_the_alive_time()
    {
        var entry = Entry(11111, SiloStatus.Active);
        Assert.True(await table.InsertRow(entry, (await table.ReadAll()).Version.Next()));
        var before = await table.ReadAll();
        entry.IAmAliveTime = new DateTime(2030, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        await table.UpdateIAmAlive(entry);
        var after = await table.ReadAll();
        Assert.Equal(before.Version.VersionEtag, after.Version.VersionEtag);
        Assert.Equal(before.Members[0].Item2, after.Members[0].Item2);
        Assert.Equal(entry.IAmAliveTime, after.Members[0].Item1.IAmAliveTime.ToUniversalTime());
    }

    [Fact]
    public async Task Clusters_are_separate_and_defunct_dead_silos_are_cleaned_up()
    {
        var other = NewTable("cluster-b");
        await other.InitializeMembershipTable(true);
        var dead = Entry(11111, SiloStatus.Dead);
        dead.IAmAliveTime = DateTime.UtcNow.AddHours(-2);
        var alive = Entry(11112, SiloStatus.Active);
        Assert.True(await table.InsertRow(dead, (await table.ReadAll()).Version.Next()));
        Assert.True(await table.InsertRow(alive, (await table.ReadAll()).Version.Next()));
        Assert.Empty((await other.ReadAll()).Members);

        await table.CleanupDefunctSiloEntries(DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal(alive.SiloAddress, Assert.Single((await table.ReadAll()).Members).Item1.SiloAddress);

        await table.DeleteMembershipTableEntries("cluster-a");
        await Assert.ThrowsAsync<InvalidOperationException>(() => table.ReadAll());
        Assert.NotNull(await other.ReadAll());
    }

    private PostgresMembershipTable NewTable(string clusterId) =>
        new(dataSource, Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "svc" }), NullLogger<PostgresMembershipTable>.Instance);

    private static MembershipEntry Entry(int port, SiloStatus status) => new()
    {
        SiloAddress = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), 42),
        Status = status,
        ProxyPort = port + 1000,
        HostName = "host",
        SiloName = $"silo-{port}",
        StartTime = DateTime.UtcNow,
        IAmAliveTime = DateTime.UtcNow,
        SuspectTimes = [],
    };
}
