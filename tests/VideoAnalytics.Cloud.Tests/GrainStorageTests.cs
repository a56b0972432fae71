using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using VideoAnalytics.Cloud.Grains.Cluster;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests;

/// <summary>The PostgreSQL grain storage round-trips JSON state and refuses writes from a stale activation.</summary>
public sealed class GrainStorageTests : IAsyncLifetime
{
    private TestDatabase db = null!;
    private NpgsqlDataSource dataSource = null!;
    private PostgresGrainStorage storage = null!;

    public sealed class Counter
    {
        public int Value { get; set; }
        public List<string> Seen { get; set; } = [];
    }

    public async Task InitializeAsync()
    {
        db = await TestDatabase.CreateAsync();
        dataSource = NpgsqlDataSource.Create(db.ConnectionString);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        storage = new PostgresGrainStorage("Default", "svc", dataSource, NullLogger<PostgresGrainStorage>.Instance);
    }

    public async Task DisposeAsync()
    {
        await dataSource.DisposeAsync();
        await db.DisposeAsync();
    }

    [Fact]
    public async Task State_round_trips_and_a_stale_etag_is_refused()
    {
        var id = GrainId.Create("counter", "a/b");
        var first = new GrainState<Counter>(new Counter());
        await storage.ReadStateAsync("counter", id, first);
        Assert.False(first.RecordExists);

        first.State!.Value = 3;
        first.State!.Seen.Add("x");
        await storage.WriteStateAsync("counter", id, first);

        var second = new GrainState<Counter>(new Counter());
        await storage.ReadStateAsync("counter", id, second);
        Assert.True(second.RecordExists);
        Assert.Equal(3, second.State!.Value);
        Assert.Equal(["x"], second.State!.Seen);

        second.State!.Value = 4;
        await storage.WriteStateAsync("counter", id, second);
        // The first activation's etag is stale now: its write must not overwrite newer state.
        first.State!.Value = 99;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", id, first));
        // A fresh insert over an existing row is refused as well.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", id, new GrainState<Counter>(new Counter())));

        var third = new GrainState<Counter>(new Counter());
        await storage.ReadStateAsync("counter", id, third);
        Assert.Equal(4, third.State!.Value);

        await storage.ClearStateAsync("counter", id, third);
        var cleared = new GrainState<Counter>(new Counter());
        await storage.ReadStateAsync("counter", id, cleared);
        Assert.False(cleared.RecordExists);
    }
}
