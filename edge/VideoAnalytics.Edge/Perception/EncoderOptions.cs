namespace VideoAnalytics.Edge.Perception;

/// <summary><c>Edge:Encoder</c> (optional): the crop encoder (student MVT slot) and the heads run on its embeddings.</summary>
public sealed class EncoderOptions
{
    /// <summary>Path of the encoder's manifest.json; empty turns the encoder off.</summary>
    public string Manifest { get; set; } = "";

    public string? ModelFile { get; set; }

    /// <summary>Heads file (JSON) applied to each crop embedding; optional.</summary>
    public string? Heads { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Manifest);
}
