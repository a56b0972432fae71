using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using VideoAnalytics.Cloud.Ingest;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Transport.TestHosts;

/// <summary>
/// <c>ingest</c>: the production cloud ingest (<c>--ConnectionStrings:Postgres</c>, <c>--Cloud:Mqtt:*</c>,
/// <c>--Cloud:Ingest:*</c>, <c>--Cloud:ClipStore:Root</c>) with a dispatcher that records every call in Postgres.
/// Runs until killed.
/// </summary>
internal static class IngestHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<IClipDispatcher, PostgresRecordingDispatcher>();
        builder.Services.AddIngest(builder.Configuration);
        using var host = builder.Build();
        await host.RunAsync();
        return 0;
    }
}

/// <summary>Records dispatches in <c>test_dispatches</c> (kind, id, calls), so tests can see at-least-once delivery.</summary>
public sealed class PostgresRecordingDispatcher(NpgsqlDataSource dataSource) : IClipDispatcher
{
    private int _created;

    public Task DispatchClipAsync(ClipManifest manifest, CancellationToken ct) => RecordAsync("clip", manifest.ClipId, ct);

    public Task DispatchGateEventAsync(GateEvent gateEvent, CancellationToken ct) => RecordAsync("event", gateEvent.EventId, ct);

    public Task DispatchStatusAsync(DeviceStatus status, CancellationToken ct) => RecordAsync("status", $"{status.Device}:{status.TimeUtc.UtcTicks}", ct);

    private async Task RecordAsync(string kind, string id, CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _created, 1) == 0)
        {
            await using var create = dataSource.CreateCommand(
                "CREATE TABLE IF NOT EXISTS test_dispatches (kind text, id text, calls int NOT NULL, PRIMARY KEY (kind, id))");
            await create.ExecuteNonQueryAsync(ct);
        }
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO test_dispatches (kind, id, calls) VALUES (@k, @id, 1)
            ON CONFLICT (kind, id) DO UPDATE SET calls = test_dispatches.calls + 1
            """);
        cmd.Parameters.AddWithValue("k", kind);
        cmd.Parameters.AddWithValue("id", id);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
