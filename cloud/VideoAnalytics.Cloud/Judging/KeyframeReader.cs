using Microsoft.Extensions.DependencyInjection;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Judging;

/// <summary>
/// Reads a clip's keyframe JPEGs out of its blob (<c>clips/{clipId}</c>: the clip's files concatenated in manifest order),
/// evenly spread over the clip, in one forward pass over the stream.
/// </summary>
public sealed class KeyframeReader(IServiceProvider services)
{
    public const string BlobPrefix = "clips/";

    public async Task<IReadOnlyList<ReadOnlyMemory<byte>>> ReadAsync(ClipManifest manifest, int max, CancellationToken ct)
    {
        var files = manifest.Files.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var names = manifest.Keyframes is { Count: > 0 }
            ? manifest.Keyframes.OrderBy(k => k.OffsetMs).Select(k => k.File).ToList()
            : manifest.Files.Where(f => f.ContentType == "image/jpeg").Select(f => f.Name).ToList();
        var wanted = Spread(names.Where(files.ContainsKey).Distinct().ToList(), max).Select(n => files[n]).ToList();
        if (wanted.Count == 0) return [];

        // The clip store is ingest's; without it (a silo host running without ingest) there are no clips to read.
        var store = services.GetService<IClipStore>()
            ?? throw new JudgeUnavailableException("no clip store is registered in this silo host (ingest is not wired)");
        await using var stream = await store.OpenReadAsync(BlobPrefix + manifest.ClipId, ct)
            ?? throw new IOException($"clip blob {BlobPrefix}{manifest.ClipId} is missing");
        var byOffset = wanted.OrderBy(f => f.Offset).ToList();
        var result = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        long position = 0;
        var skip = new byte[81920];
        foreach (var f in byOffset)
        {
            if (stream.CanSeek) { stream.Seek(f.Offset, SeekOrigin.Begin); position = f.Offset; }
            while (position < f.Offset)
            {
                var n = await stream.ReadAsync(skip.AsMemory(0, (int)Math.Min(skip.Length, f.Offset - position)), ct);
                if (n == 0) throw new IOException($"clip blob {manifest.ClipId} ends before file {f.Name}");
                position += n;
            }
            var buffer = new byte[f.Length];
            await stream.ReadExactlyAsync(buffer, ct);
            position += f.Length;
            result[f.Name] = buffer;
        }
        return wanted.Select(f => result[f.Name]).ToList();
    }

    private static List<string> Spread(List<string> names, int max)
    {
        if (names.Count <= max) return names;
        return Enumerable.Range(0, max).Select(i => names[(int)Math.Round(i * (names.Count - 1) / (double)(max - 1 == 0 ? 1 : max - 1))]).Distinct().ToList();
    }
}
