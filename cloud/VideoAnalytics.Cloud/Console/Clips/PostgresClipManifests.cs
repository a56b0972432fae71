using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;

namespace VideoAnalytics.Cloud.Console.Clips;

/// <summary>Reads manifests from the ingest's <c>clips</c> table (<c>clip_id</c>, <c>manifest</c> JSONB).</summary>
public sealed class PostgresClipManifests(NpgsqlDataSource dataSource, ILogger<PostgresClipManifests> logger) : IClipManifests
{
    public async Task<ClipManifest?> FindAsync(string clipId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT manifest::text FROM clips WHERE clip_id = @id");
        cmd.Parameters.AddWithValue("id", clipId);
        if (await cmd.ExecuteScalarAsync(ct) is not string json) return null;
        try
        {
            return JsonSerializer.Deserialize(json, ContractJsonContext.Default.ClipManifest);
        }
        catch (JsonException e)
        {
            // Ingest validated it on the way in; a manifest that no longer reads is shown as a missing clip, not a crash.
            logger.LogWarning("Manifest of clip {ClipId} does not read: {Error}", clipId, e.Message);
            return null;
        }
    }
}
