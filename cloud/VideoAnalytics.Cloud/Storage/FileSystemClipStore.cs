using Microsoft.Extensions.Options;

namespace VideoAnalytics.Cloud.Storage;

/// <summary>Configuration section <c>Cloud:ClipStore</c>.</summary>
public sealed class ClipStoreOptions
{
    public const string Section = "Cloud:ClipStore";

    /// <summary>Folder under which keys become files (<c>clips/{clipId}</c> → <c>{Root}/clips/{clipId}</c>).</summary>
    public string Root { get; set; } = "";
}

internal sealed class ClipStoreOptionsValidator : IValidateOptions<ClipStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, ClipStoreOptions o) =>
        string.IsNullOrWhiteSpace(o.Root)
            ? ValidateOptionsResult.Fail($"{ClipStoreOptions.Section}:Root is required (folder for assembled clips)")
            : ValidateOptionsResult.Success;
}

/// <summary>
/// <see cref="IClipStore"/> on one machine's disk. A blob is written to a temp file, flushed to disk and renamed, so
/// a key is either absent or complete. Keys are relative paths of slugs (<c>[a-z0-9-]</c>) separated by '/'.
/// </summary>
public sealed class FileSystemClipStore : IClipStore
{
    private readonly string _root;

    public FileSystemClipStore(IOptions<ClipStoreOptions> options) : this(options.Value.Root)
    {
    }

    public FileSystemClipStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    public async Task PutAsync(string key, Stream content, CancellationToken ct)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(fs, ct);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        Stream? s = File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous) : null;
        return Task.FromResult(s);
    }

    public Task<bool> ExistsAsync(string key, CancellationToken ct) => Task.FromResult(File.Exists(PathOf(key)));

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    private string PathOf(string key)
    {
        var parts = key.Split('/');
        if (parts.Length == 0 || parts.Any(p => p.Length == 0 || p.Length > 128 || !p.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.' or '_') || p.StartsWith('.')))
            throw new ArgumentException($"clip store key '{key}' is not a path of plain names", nameof(key));
        return Path.Combine([_root, .. parts]);
    }
}

/// <summary>Key conventions of <see cref="IClipStore"/>.</summary>
public static class ClipStoreKeys
{
    /// <summary>The blob of an assembled clip.</summary>
    public static string Clip(string clipId) => $"clips/{clipId}";
}
