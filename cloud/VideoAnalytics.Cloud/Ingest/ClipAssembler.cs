using System.Data;
using System.Security.Cryptography;
using Npgsql;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Ingest;

/// <summary>
/// Joins the chunks of a clip, checks the whole-clip size and SHA-256 against its manifest, and stores the blob under
/// <c>clips/{clipId}</c>. The chunks are streamed through a temp file, so a 64 MiB clip does not sit in memory.
/// </summary>
internal sealed class ClipAssembler(NpgsqlDataSource dataSource, IClipStore store)
{
    /// <summary>Null when the clip was stored; otherwise why it cannot be.</summary>
    public async Task<string?> AssembleAsync(ClipManifest manifest, CancellationToken ct)
    {
        var temp = Path.Combine(Path.GetTempPath(), $"va-clip-{manifest.ClipId}-{Guid.NewGuid():N}.tmp");
        try
        {
            await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16,
                FileOptions.Asynchronous | FileOptions.DeleteOnClose);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var expectedIndex = 0;
            await using (var conn = await dataSource.OpenConnectionAsync(ct))
            await using (var cmd = new NpgsqlCommand("SELECT chunk_index, data FROM clip_chunks WHERE clip_id = @id ORDER BY chunk_index", conn))
            {
                cmd.Parameters.AddWithValue("id", manifest.ClipId);
                await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
                while (await reader.ReadAsync(ct))
                {
                    var index = reader.GetInt32(0);
                    if (index != expectedIndex) return $"chunk {expectedIndex} is missing";
                    var data = await reader.GetFieldValueAsync<byte[]>(1, ct);
                    var expectedLength = Math.Min(manifest.ChunkSize, manifest.TotalBytes - (long)index * manifest.ChunkSize);
                    if (data.Length != expectedLength) return $"chunk {index} has {data.Length} bytes, expected {expectedLength}";
                    hash.AppendData(data);
                    await file.WriteAsync(data, ct);
                    expectedIndex++;
                }
            }
            if (expectedIndex != manifest.ChunkCount) return $"{expectedIndex} of {manifest.ChunkCount} chunks present";
            if (Convert.ToHexStringLower(hash.GetHashAndReset()) != manifest.Sha256) return "whole-clip sha256 does not match the manifest";
            file.Position = 0;
            await store.PutAsync(ClipStoreKeys.Clip(manifest.ClipId), file, ct);
            return null;
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
