using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace VideoAnalytics.Cloud.Storage;

/// <summary>
/// Creates and migrates the project's PostgreSQL schema at start-up. Scripts are embedded resources named
/// <c>Storage/Schema/NNNN_name.sql</c>, applied once each in number order inside a transaction, under an advisory
/// lock so that silos starting together do not race. Applied scripts are recorded in <c>schema_migrations</c>.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    private const long AdvisoryLockKey = 0x5641_5343_4845_4D41; // "VASCHEMA"

    public static IReadOnlyList<(string Id, string Sql)> Scripts { get; } = LoadScripts();

    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_lock(@k)", conn))
        {
            lockCmd.Parameters.AddWithValue("k", AdvisoryLockKey);
            await lockCmd.ExecuteNonQueryAsync(ct);
        }
        try
        {
            await using (var create = new NpgsqlCommand(
                "CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_utc timestamptz NOT NULL DEFAULT now())", conn))
            {
                await create.ExecuteNonQueryAsync(ct);
            }
            var applied = new HashSet<string>(StringComparer.Ordinal);
            await using (var read = new NpgsqlCommand("SELECT id FROM schema_migrations", conn))
            await using (var reader = await read.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct)) applied.Add(reader.GetString(0));
            }
            foreach (var (id, sql) in Scripts)
            {
                if (applied.Contains(id)) continue;
                await using var tx = await conn.BeginTransactionAsync(ct);
                await using (var run = new NpgsqlCommand(sql, conn, tx)) await run.ExecuteNonQueryAsync(ct);
                await using (var mark = new NpgsqlCommand("INSERT INTO schema_migrations (id) VALUES (@id)", conn, tx))
                {
                    mark.Parameters.AddWithValue("id", id);
                    await mark.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
                logger.LogInformation("Applied schema migration {MigrationId}", id);
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@k)", conn);
            unlock.Parameters.AddWithValue("k", AdvisoryLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static List<(string, string)> LoadScripts()
    {
        var asm = Assembly.GetExecutingAssembly();
        const string marker = ".Storage.Schema.";
        return asm.GetManifestResourceNames()
            .Where(n => n.Contains(marker, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                using var s = asm.GetManifestResourceStream(n)!;
                using var r = new StreamReader(s);
                var id = n[(n.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..^4];
                return (id, r.ReadToEnd());
            })
            .OrderBy(x => x.id, StringComparer.Ordinal)
            .ToList();
    }
}
