using System.Globalization;
using VideoAnalytics.Contracts.Identity;

namespace VideoAnalytics.Contracts.Messages;

/// <summary>
/// Describes one chunk of a clip. Sent as MQTT 5 user properties next to the raw chunk bytes, so the payload
/// stays binary. <see cref="Index"/> is -1 for the manifest message that precedes the chunks.
/// </summary>
public sealed record ClipChunkHeader(string ClipId, int Index, int Count, string Sha256)
{
    public const string SchemaProperty = "schema";
    public const string ClipIdProperty = "clipId";
    public const string IndexProperty = "index";
    public const string CountProperty = "count";
    public const string Sha256Property = "sha256";

    public const int ManifestIndex = -1;

    public bool IsManifest => Index == ManifestIndex;

    public IEnumerable<KeyValuePair<string, string>> ToUserProperties()
    {
        yield return new(SchemaProperty, Schemas.ClipChunk);
        yield return new(ClipIdProperty, ClipId);
        yield return new(IndexProperty, Index.ToString(CultureInfo.InvariantCulture));
        yield return new(CountProperty, Count.ToString(CultureInfo.InvariantCulture));
        yield return new(Sha256Property, Sha256);
    }

    public static bool TryParse(IEnumerable<KeyValuePair<string, string>>? properties, out ClipChunkHeader header, out string error)
    {
        header = null!;
        string? schema = null, clipId = null, index = null, count = null, sha = null;
        foreach (var (k, val) in properties ?? [])
        {
            switch (k)
            {
                case SchemaProperty: schema = val; break;
                case ClipIdProperty: clipId = val; break;
                case IndexProperty: index = val; break;
                case CountProperty: count = val; break;
                case Sha256Property: sha = val; break;
            }
        }
        if (schema != Schemas.ClipChunk) { error = $"chunk schema is '{schema}', expected '{Schemas.ClipChunk}'"; return false; }
        if (!ClipIds.IsValid(clipId)) { error = "chunk clipId is not valid"; return false; }
        if (!int.TryParse(index, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) || i < ManifestIndex)
        { error = "chunk index is not a number"; return false; }
        if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > Limits.MaxChunksPerClip)
        { error = $"chunk count is outside 1-{Limits.MaxChunksPerClip}"; return false; }
        if (i >= n) { error = $"chunk index {i} is not below count {n}"; return false; }
        if (sha is not { Length: 64 } || !sha.All(Uri.IsHexDigit)) { error = "chunk sha256 is not a SHA-256"; return false; }
        header = new ClipChunkHeader(clipId!, i, n, sha.ToLowerInvariant());
        error = "";
        return true;
    }
}
