using Microsoft.Extensions.Logging;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Edge.Models;
using VideoAnalytics.Vision.Gating;

namespace VideoAnalytics.Edge.Gating;

/// <summary>
/// The gate model a camera scores with now: a <c>heads</c> package the model manager activated for this camera (or
/// device-wide), otherwise the configured heads file. A package whose features or optical-flow width differ from what
/// the agent computes is ignored with one warning, and the last usable model stays.
/// </summary>
public sealed class GateModelSource(GateModel configured, ModelSlots? slots, string camera, IReadOnlyList<string> featureNames, ILogger logger)
{
    private readonly GateModel _configured = configured;
    private GateModel _current = configured;
    private ActiveModel? _seen;

    public GateModel Current()
    {
        if (slots is null || !slots.For(ModelKind.Heads, camera).TryAcquire(out var lease)) return _current;
        using (lease)
        {
            var active = lease.Value;
            if (ReferenceEquals(active, _seen)) return _current;
            _seen = active;
            try
            {
                // The camera's windows are cut by the configured gate; the pushed one brings weights and thresholds.
                var pushed = active.As<LoadedGateHeads>().Gate;
                pushed.RequireFeatures(featureNames, $"{active.Manifest.Name}@{active.Manifest.Version}", _configured.FlowWidth);
                var swapped = pushed with
                {
                    Version = active.Manifest.Version, WindowSeconds = _configured.WindowSeconds,
                    StrideSeconds = _configured.StrideSeconds, AnalysisFps = _configured.AnalysisFps,
                };
                logger.LogInformation("Camera {Camera}: gate now uses heads {Name}@{Version} (low {Low:F3}, high {High:F3})",
                    camera, active.Manifest.Name, active.Manifest.Version, swapped.Low, swapped.High);
                _current = swapped;
            }
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException)
            {
                logger.LogWarning("Camera {Camera}: heads {Name}@{Version} unusable for the gate ({Error}); keeping gate v{Current}",
                    camera, active.Manifest.Name, active.Manifest.Version, e.Message, _current.Version);
            }
            return _current;
        }
    }
}
