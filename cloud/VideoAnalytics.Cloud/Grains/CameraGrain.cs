using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Grains;

/// <summary>One camera: health from its device's status, and its last gate decision; certain events go to the site's alerts.</summary>
[GrainType("camera")]
public sealed class CameraGrain([PersistentState("camera")] IPersistentState<CameraGrainState> state) : Grain, ICameraGrain
{
    public async Task ReportHealthAsync(CameraHealth health, DateTimeOffset timeUtc)
    {
        var s = state.State;
        if (s.HealthTimeUtc is { } held && timeUtc < held) return;
        s.State = health.State;
        s.Fps = health.Fps;
        s.LastFrameUtc = health.LastFrameUtc ?? s.LastFrameUtc;
        s.LastError = health.LastError;
        s.HealthTimeUtc = timeUtc;
        await state.WriteStateAsync();
    }

    public async Task RecordGateEventAsync(GateEvent gateEvent)
    {
        var s = state.State;
        if (s.LastGateUtc is not { } held || gateEvent.TimeUtc >= held)
        {
            s.LastGateRule = gateEvent.Rule;
            s.LastGateDecision = gateEvent.Decision.ToString().ToLowerInvariant();
            s.LastGateScore = gateEvent.Score;
            s.LastGateUtc = gateEvent.TimeUtc;
            await state.WriteStateAsync();
        }
        if (gateEvent.Decision == GateDecision.Certain)
        {
            await GrainFactory.GetGrain<ISiteAlertsGrain>(ISiteAlertsGrain.KeyOf(gateEvent.Branch, gateEvent.Site)).RecordGateEventAsync(gateEvent);
        }
    }

    public Task<CameraView> GetAsync()
    {
        var s = state.State;
        return Task.FromResult(new CameraView(this.GetPrimaryKeyString(), s.State, s.Fps, s.LastFrameUtc, s.LastError,
            s.LastGateRule, s.LastGateDecision, s.LastGateScore, s.LastGateUtc, RuntimeIdentity));
    }
}
