using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Console.Clips;

/// <summary>The manifests of received clips (written by ingest), so the console knows each clip's files and keyframes.</summary>
public interface IClipManifests
{
    /// <summary>The clip's manifest, or null when no clip has that id.</summary>
    Task<ClipManifest?> FindAsync(string clipId, CancellationToken ct);
}
