using Microsoft.Extensions.Options;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Cloud.Models.Rollout;

/// <summary>
/// Carries out rollout decisions: writes each device's target for the rolled-out kind, then publishes the device's
/// whole desired model set (all kinds) retained on its <c>models/desired</c> topic.
/// </summary>
public sealed class RolloutCoordinator(ModelRegistryStore store, IDesiredStatePublisher publisher, IOptions<ModelRegistryOptions> options)
{
    private const int Parallelism = 8;

    public async Task ApplyAsync(RolloutSpec spec, RolloutStep step, CancellationToken ct)
    {
        var kind = ModelRegistryStore.ParseKind(spec.Kind);
        await Parallel.ForEachAsync(step.Release, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (key, t) =>
        {
            var device = ParseDevice(key);
            await store.SetTargetAsync(device, spec.Camera, kind, spec.Name, spec.Version, spec.RolloutId, t);
            await PublishAsync(device, spec.RolloutId, t);
        });
        await Parallel.ForEachAsync(step.Restore, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (key, t) =>
        {
            var device = ParseDevice(key);
            var previous = spec.Previous.GetValueOrDefault(key);
            await store.SetTargetAsync(device, spec.Camera, kind, previous?.Name, previous?.Version, previous?.RolloutId ?? spec.RolloutId, t);
            await PublishAsync(device, spec.RolloutId, t);
        });
    }

    /// <summary>Builds the device's desired model set from its targets and publishes it.</summary>
    public async Task PublishAsync(DeviceId device, string rolloutId, CancellationToken ct)
    {
        var rows = await store.DesiredAsync(device, ct);
        var baseUrl = options.Value.PublicBaseUrl.TrimEnd('/');
        var models = rows.GroupBy(r => (r.Kind, r.Name, r.Version)).Select(g =>
        {
            var r = g.First();
            var cameras = g.Select(x => x.Camera).ToList();
            return new DesiredModel(r.Name, r.Kind, r.Version, $"{baseUrl}/api/models/{r.Name}/{r.Version}/", r.ManifestSha256, r.Signature, r.KeyId)
            {
                Cameras = cameras.Contains("") ? null : cameras,
            };
        }).ToList();
        await publisher.PublishAsync(new DesiredModelState
        {
            Branch = device.Branch, Site = device.Site, Device = device.Device,
            TimeUtc = DateTimeOffset.UtcNow, RolloutId = rolloutId, Models = models,
        }, ct);
    }

    public static string DeviceKey(DeviceId d) => d.ToString();

    private static DeviceId ParseDevice(string key) =>
        DeviceId.TryParse(key, out var d) ? d : throw new ArgumentException($"'{key}' is not branch/site/device", nameof(key));
}
