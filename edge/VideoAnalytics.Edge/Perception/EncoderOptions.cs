namespace VideoAnalytics.Edge.Perception;

/// <summary><c>Edge:Encoder</c> (optional): the crop encoder (student MVT slot) and the heads run on its embeddings.</summary>
public sealed class EncoderOptions
{
    /// <summary>Path of the encoder's manifest.json; empty turns the encoder off.</summary>
    public string Manifest { get; set; } = "";

    public string? ModelFile { get; set; }

    /// <summary>Heads file (JSON) applied to each crop embedding; optional.</summary>
    public string? Heads { get; set; }

    /// <summary>Heads file applied to the whole-frame embedding (scene scores the gate can use); optional.</summary>
    public string? SceneHeads { get; set; }

    /// <summary>How often the whole frame is encoded, in seconds of video.</summary>
    [System.ComponentModel.DataAnnotations.Range(0.1, 60)]
    public double SceneEverySeconds { get; set; } = 1;

    public bool Enabled => !string.IsNullOrWhiteSpace(Manifest);
}
