namespace VideoAnalytics.Contracts.Messages;

/// <summary>The <c>schema</c> value every payload carries.</summary>
public static class Schemas
{
    public const string Status = "va.status.v1";
    public const string TrackBatch = "va.tracks.v1";
    public const string GateEvent = "va.event.v1";
    public const string ClipManifest = "va.clip.v1";
    public const string ClipChunk = "va.clipchunk.v1";
    public const string Judgment = "va.judgment.v1";
    public const string Alert = "va.alert.v1";
    public const string ModelManifest = "va.model.v1";
    public const string ModelsDesired = "va.models.desired.v1";
    public const string ModelsReported = "va.models.reported.v1";
}

/// <summary>What every payload has: schema, ids and a UTC timestamp, and a check that returns reasons.</summary>
public interface IContractMessage
{
    string Schema { get; }
    DateTimeOffset TimeUtc { get; }

    /// <summary>Reasons this message is not valid; empty when it is.</summary>
    IReadOnlyList<string> Validate(DateTimeOffset now);
}

/// <summary>A message sent by one device (its ids must match the topic it came on).</summary>
public interface IDeviceMessage : IContractMessage
{
    string Branch { get; }
    string Site { get; }
    string Device { get; }
}

/// <summary>A device message about one camera.</summary>
public interface ICameraMessage : IDeviceMessage
{
    string Camera { get; }
}
