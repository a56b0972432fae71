using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Cloud.Judging;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Transport;

namespace VideoAnalytics.Cloud.Grains;

/// <summary>
/// One clip. Submitting stores it as pending (with a lease) before returning, so ingest may forget it; the grain then
/// judges it once, records the outcome with the site's alerts and persists "judged". A repeated submission, or a
/// resume of a judged clip, changes nothing. When the judge is down the clip stays pending, is raised as an unverified
/// alert, and is retried with backoff (by its timer, or by any silo's <see cref="PendingClipSweeper"/> if this one died).
/// </summary>
[GrainType("clip")]
public sealed class ClipGrain(
    [PersistentState("clip")] IPersistentState<ClipGrainState> state,
    AlertStore alertStore, IOptions<JudgeOptions> options, TimeProvider time, ILogger<ClipGrain> logger) : Grain, IClipGrain
{
    private IGrainTimer? retryTimer;

    public async Task<ClipView> SubmitAsync(ClipManifest manifest)
    {
        if (state.RecordExists) return View();
        var now = time.GetUtcNow();
        state.State = new ClipGrainState
        {
            Status = ClipStatus.Pending, Manifest = manifest, ReceivedUtc = now, NextAttemptUtc = now + options.Value.Lease,
        };
        await state.WriteStateAsync();
        _ = this.AsReference<IClipGrain>().ResumeAsync();
        return View();
    }

    public async Task ResumeAsync()
    {
        if (!state.RecordExists || state.State.Status == ClipStatus.Judged || state.State.Manifest is not { } manifest) return;
        retryTimer?.Dispose();
        retryTimer = null;
        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["ClipId"] = manifest.ClipId, ["Branch"] = manifest.Branch, ["Site"] = manifest.Site, ["Device"] = manifest.Device, ["Camera"] = manifest.Camera,
        });

        var o = options.Value;
        var outcome = await GrainFactory.GetGrain<IJudgeWorker>(IJudgeWorker.KeyOf()).JudgeAsync(manifest, o.QuestionFor(manifest.Rule));
        var siteAlerts = GrainFactory.GetGrain<ISiteAlertsGrain>(ISiteAlertsGrain.KeyOf(manifest.Branch, manifest.Site));
        var evidence = Evidence(manifest);
        if (outcome.Judgment is { } judgment)
        {
            // Alerts first (idempotent per clip), then the outcome: a crash in between re-judges, never loses the alert.
            await siteAlerts.RecordJudgmentAsync(evidence, judgment);
            if (judgment.Confidence >= o.LabelConfidence) await alertStore.SaveJudgeLabelAsync(manifest, judgment, CancellationToken.None);
            state.State.Status = ClipStatus.Judged;
            state.State.Judgment = judgment;
            state.State.NextAttemptUtc = null;
            state.State.LastError = null;
            state.State.Attempts++;
            await state.WriteStateAsync();
            logger.LogInformation("Clip {ClipId} judged {Verdict} ({Confidence:0.00}) by {Backend} in {DurationMs:0} ms: {Reason}",
                manifest.ClipId, AlertText.Of(judgment.Verdict), judgment.Confidence, judgment.Backend, judgment.DurationMs, judgment.Reason);
            DeactivateOnIdle();
            return;
        }

        var attempts = ++state.State.Attempts;
        var delay = Backoff.Delay(attempts - 1, o.RetryInitialDelay, o.RetryMaxDelay);
        state.State.LastError = outcome.Error;
        state.State.NextAttemptUtc = time.GetUtcNow() + delay;
        await state.WriteStateAsync();
        logger.LogWarning("Clip {ClipId} not judged (attempt {Attempt}): {Error}; next attempt in {Delay}", manifest.ClipId, attempts, outcome.Error, delay);
        if (attempts == 1) await siteAlerts.RecordUnjudgedClipAsync(evidence, outcome.Error ?? "judge unavailable");
        retryTimer = this.RegisterGrainTimer(_ => ResumeAsync(),
            new GrainTimerCreationOptions { DueTime = delay, Period = Timeout.InfiniteTimeSpan, KeepAlive = true });
    }

    public Task<ClipView> GetAsync() => Task.FromResult(View());

    private ClipView View()
    {
        var s = state.State;
        return new ClipView(this.GetPrimaryKeyString(), state.RecordExists ? s.Status == ClipStatus.Judged ? "judged" : "pending" : "unknown",
            s.Attempts, s.Judgment, s.LastError, s.NextAttemptUtc, RuntimeIdentity);
    }

    private static ClipEvidence Evidence(ClipManifest m) => new(
        m.ClipId, m.Device, m.Camera, m.Rule, m.StartUtc, m.Score,
        (m.Keyframes ?? []).Select(k => $"clips/{m.ClipId}/{k.File}").ToList(), m.Features ?? new Dictionary<string, float>(), m.SceneEmbedding);
}
