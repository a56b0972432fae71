using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Cloud.Ingest;

/// <summary>A message that passed validation, ready for the inbox. <see cref="Json"/> is the payload as received.</summary>
internal abstract record IngestItem(string Device)
{
    public abstract int Bytes { get; }
}

internal sealed record TrackBatchItem(TrackBatch Batch, string Json) : IngestItem($"{Batch.Branch}/{Batch.Site}/{Batch.Device}")
{
    public override int Bytes => Json.Length;
}

internal sealed record GateEventItem(GateEvent Event, string Json) : IngestItem($"{Event.Branch}/{Event.Site}/{Event.Device}")
{
    public override int Bytes => Json.Length;
}

internal sealed record StatusItem(DeviceStatus Status, string Json) : IngestItem($"{Status.Branch}/{Status.Site}/{Status.Device}")
{
    public override int Bytes => Json.Length;
}

internal sealed record ModelsReportedItem(ReportedModelState Reported, string Json) : IngestItem($"{Reported.Branch}/{Reported.Site}/{Reported.Device}")
{
    public override int Bytes => Json.Length;
}

internal sealed record ClipManifestItem(ClipManifest Manifest, string Json) : IngestItem($"{Manifest.Branch}/{Manifest.Site}/{Manifest.Device}")
{
    public override int Bytes => Json.Length;
}

internal sealed record ClipChunkItem(string Branch, string Site, string DeviceSlug, string Camera, ClipChunkHeader Header, byte[] Data)
    : IngestItem($"{Branch}/{Site}/{DeviceSlug}")
{
    public override int Bytes => Data.Length;
}

/// <summary>Why one message was turned away: the device it claims (or <c>unknown</c>), a reason key and a detail line.</summary>
internal sealed record IngestRejection(string Device, string Reason, string Detail);
