namespace VideoAnalytics.Cloud.Models.Rollout;

/// <summary>What a rollout is doing, for the API and the CLI.</summary>
[GenerateSerializer, Immutable]
public sealed record RolloutSummary(
    [property: Id(0)] string RolloutId,
    [property: Id(1)] string Scope,
    [property: Id(2)] string Kind,
    [property: Id(3)] string Model,
    [property: Id(4)] string Phase,
    [property: Id(5)] int Targeted,
    [property: Id(6)] int Canary,
    [property: Id(7)] int Released,
    [property: Id(8)] int Running,
    [property: Id(9)] int Failed,
    [property: Id(10)] string? Reason);

/// <summary>
/// The rollout of one model kind over one scope (key: <see cref="KeyOf"/>). The cloud calls
/// <see cref="OnReportedAsync"/> with every device's <c>models/reported</c> (see <see cref="ModelReportRecorder"/>).
/// </summary>
public interface IRolloutGrain : IGrainWithStringKey
{
    Task<RolloutSummary> StartAsync(RolloutSpec spec);

    Task OnReportedAsync(DeviceReport report);

    Task<RolloutSummary?> RollbackAsync(string reason, string actor);

    Task<RolloutSummary?> GetAsync();

    /// <summary>Decides on a canary whose deadline has passed (see <see cref="CanaryDeadlineWatch"/>); nothing otherwise.</summary>
    Task CheckCanaryDeadlineAsync();

    static string KeyOf(ModelScope scope, string kind) => $"{scope}|{kind}";
}
