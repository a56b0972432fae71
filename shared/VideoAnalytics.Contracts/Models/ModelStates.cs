using System.Text.Json.Serialization;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Validation;

namespace VideoAnalytics.Contracts.Models;

/// <summary>Retained on <c>…/models/desired</c>: the model set this device must run.</summary>
public sealed record DesiredModelState : IDeviceMessage
{
    public string Schema { get; init; } = Schemas.ModelsDesired;
    public required string Branch { get; init; }
    public required string Site { get; init; }
    public required string Device { get; init; }
    public required DateTimeOffset TimeUtc { get; init; }
    public required string RolloutId { get; init; }
    public required IReadOnlyList<DesiredModel> Models { get; init; }

    public IReadOnlyList<string> Validate(DateTimeOffset now)
    {
        var v = new ValidationReasons().Schema(Schema, Schemas.ModelsDesired)
            .Slug(Branch, "branch").Slug(Site, "site").Slug(Device, "device").Time(TimeUtc, now, "time")
            .Id(RolloutId, "rolloutId").Count(Models, "models", Limits.MaxModelsPerDevice);
        foreach (var m in Models ?? [])
        {
            v.Slug(m.Name, "model name").Text(m.Version, "model version", 64)
                .Require(Uri.TryCreate(m.PackageUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https", $"model {m.Name} packageUrl is not http(s)")
                .Sha256(m.ManifestSha256, $"model {m.Name} manifestSha256")
                .Text(m.Signature, $"model {m.Name} signature", 512).Text(m.KeyId, $"model {m.Name} keyId", 64);
        }
        return v.Reasons;
    }
}

/// <summary>One model of a desired set: where its package is, and the signature of its manifest.</summary>
public sealed record DesiredModel(string Name, ModelKind Kind, string Version, string PackageUrl, string ManifestSha256, string Signature, string KeyId)
{
    /// <summary>Cameras this model serves when a camera-scoped assignment won; null for every camera of the device.</summary>
    public IReadOnlyList<string>? Cameras { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ModelApplyState>))]
public enum ModelApplyState
{
    [JsonStringEnumMemberName("applying")] Applying,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>Retained on <c>…/models/reported</c>: what the device runs now, its health and its last error.</summary>
public sealed record ReportedModelState : IDeviceMessage
{
    public string Schema { get; init; } = Schemas.ModelsReported;
    public required string Branch { get; init; }
    public required string Site { get; init; }
    public required string Device { get; init; }
    public required DateTimeOffset TimeUtc { get; init; }
    public string? RolloutId { get; init; }
    public required ModelApplyState State { get; init; }
    public IReadOnlyList<RunningModel> Models { get; init; } = [];
    public string? LastError { get; init; }

    public IReadOnlyList<string> Validate(DateTimeOffset now)
    {
        var v = new ValidationReasons().Schema(Schema, Schemas.ModelsReported)
            .Slug(Branch, "branch").Slug(Site, "site").Slug(Device, "device").Time(TimeUtc, now, "time")
            .Require(Enum.IsDefined(State), "state is unknown").Count(Models, "models", Limits.MaxModelsPerDevice)
            .Text(LastError, "lastError", Limits.MaxReasonLength, required: false);
        if (RolloutId is not null) v.Id(RolloutId, "rolloutId");
        return v.Reasons;
    }
}

public sealed record RunningModel(string Name, ModelKind Kind, string Version, string Health);
