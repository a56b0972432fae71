namespace VideoAnalytics.Cloud.Storage;

/// <summary>
/// Where assembled clips (and other blobs, such as model files) live. The filesystem store serves one machine;
/// the shape fits an object store (key → immutable bytes).
/// </summary>
public interface IClipStore
{
    Task PutAsync(string key, Stream content, CancellationToken ct);

    /// <summary>Opens a stored blob for reading, or null when there is none.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken ct);

    Task<bool> ExistsAsync(string key, CancellationToken ct);

    Task DeleteAsync(string key, CancellationToken ct);
}
