using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;

namespace VideoAnalytics.Cloud.Grains;

// Contract messages cross grain calls as their own contract JSON, so the Contracts project stays free of Orleans.

[GenerateSerializer]
public readonly record struct ClipManifestSurrogate([property: Id(0)] string Json);

[RegisterConverter]
public sealed class ClipManifestConverter : IConverter<ClipManifest, ClipManifestSurrogate>
{
    public ClipManifest ConvertFromSurrogate(in ClipManifestSurrogate surrogate) => ContractSurrogates.Read<ClipManifest>(surrogate.Json);
    public ClipManifestSurrogate ConvertToSurrogate(in ClipManifest value) => new(ContractJson.SerializeToString(value));
}

[GenerateSerializer]
public readonly record struct GateEventSurrogate([property: Id(0)] string Json);

[RegisterConverter]
public sealed class GateEventConverter : IConverter<GateEvent, GateEventSurrogate>
{
    public GateEvent ConvertFromSurrogate(in GateEventSurrogate surrogate) => ContractSurrogates.Read<GateEvent>(surrogate.Json);
    public GateEventSurrogate ConvertToSurrogate(in GateEvent value) => new(ContractJson.SerializeToString(value));
}

[GenerateSerializer]
public readonly record struct DeviceStatusSurrogate([property: Id(0)] string Json);

[RegisterConverter]
public sealed class DeviceStatusConverter : IConverter<DeviceStatus, DeviceStatusSurrogate>
{
    public DeviceStatus ConvertFromSurrogate(in DeviceStatusSurrogate surrogate) => ContractSurrogates.Read<DeviceStatus>(surrogate.Json);
    public DeviceStatusSurrogate ConvertToSurrogate(in DeviceStatus value) => new(ContractJson.SerializeToString(value));
}

[GenerateSerializer]
public readonly record struct JudgmentSurrogate([property: Id(0)] string Json);

[RegisterConverter]
public sealed class JudgmentConverter : IConverter<Judgment, JudgmentSurrogate>
{
    public Judgment ConvertFromSurrogate(in JudgmentSurrogate surrogate) => ContractSurrogates.Read<Judgment>(surrogate.Json);
    public JudgmentSurrogate ConvertToSurrogate(in Judgment value) => new(ContractJson.SerializeToString(value));
}

[GenerateSerializer]
public readonly record struct AlertSurrogate([property: Id(0)] string Json);

[RegisterConverter]
public sealed class AlertConverter : IConverter<Alert, AlertSurrogate>
{
    public Alert ConvertFromSurrogate(in AlertSurrogate surrogate) => ContractSurrogates.Read<Alert>(surrogate.Json);
    public AlertSurrogate ConvertToSurrogate(in Alert value) => new(ContractJson.SerializeToString(value));
}

internal static class ContractSurrogates
{
    // The JSON was written by this cluster from an already validated message: only shape is checked here.
    public static T Read<T>(string json) where T : class =>
        System.Text.Json.JsonSerializer.Deserialize(json, typeof(T), ContractJsonContext.Default) as T
        ?? throw new InvalidOperationException($"{typeof(T).Name} surrogate held JSON null.");
}
