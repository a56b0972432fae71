using Microsoft.Extensions.Logging;
using OpenCvSharp;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Edge.Clips;
using VideoAnalytics.Edge.Device;
using VideoAnalytics.Edge.Models;
using VideoAnalytics.Edge.Spool;
using VideoAnalytics.Vision.Gating;
using VideoAnalytics.Vision.Tracking;

namespace VideoAnalytics.Edge.Gating;

/// <summary>
/// The gate of one camera: features over a sliding window → logistic score → decision (hysteresis, cooldown, hourly
/// clip cap) → gate event into the spool and, for raises within the cap, the clip to record (returned: the camera's
/// pipeline hands it to its clip recorder).
/// </summary>
public sealed class CameraGate : IDisposable
{
    private readonly string _camera;
    private readonly DeviceId _device;
    private readonly GateModelSource _models;
    private readonly GateFeatureExtractor _extractor;
    private readonly GateDecider _decider;
    private readonly ISpool _spool;
    private readonly EdgeCounters _counters;
    private readonly ILogger _logger;
    private readonly float[] _features;
    private readonly PoseMotion? _pose;

    public CameraGate(string camera, DeviceId device, GateModel model, GateOptions options, int personClassId,
        ISpool spool, EdgeCounters counters, ILogger logger, ModelSlots? slots = null, PoseMotion? pose = null)
    {
        _pose = pose;
        _camera = camera;
        _device = device;
        var window = model.Window(options.WindowSeconds, options.StrideSeconds);
        _extractor = new GateFeatureExtractor(window, personClassId, model.HeadNames, pose);
        model.RequireFeatures(_extractor.FeatureNames, options.Heads);
        _models = new GateModelSource(model, slots, camera, _extractor.FeatureNames, logger);
        _decider = new GateDecider(model.Low, model.High, TimeSpan.FromSeconds(options.CooldownSeconds), options.MaxUploadsPerHour);
        _spool = spool;
        _counters = counters;
        _logger = logger;
        _features = new float[_extractor.FeatureNames.Count];
    }

    /// <summary>The last window's score (NaN before the first window).</summary>
    public double LastScore { get; private set; } = double.NaN;

    /// <summary>Adds one analysed frame; returns the clip to record when a window raised one within the cap, else null.</summary>
    /// <param name="sceneHeads">The camera's scene head scores (gate features when its model reads them).</param>
    public async ValueTask<ClipRequest?> ObserveAsync(Mat bgr, TimeSpan position, DateTimeOffset utc, IReadOnlyList<TrackedObject> tracks,
        IReadOnlyDictionary<string, float>? sceneHeads, CancellationToken ct)
    {
        _extractor.AddFrame(bgr, position, tracks, sceneHeads);
        if (!_extractor.TryGetWindow(_features, out var window)) return null;
        var model = _models.Current();
        _decider.UseThresholds(model.Low, model.High);
        var score = model.Score(_features);
        LastScore = score;
        var outcome = _decider.Decide(score, utc);
        if (outcome.Suppressed is not null)
        {
            if (outcome.UploadClip is false && outcome.Emit) _counters.ClipCapped();
            else _counters.DecisionSuppressed();
            _logger.LogInformation("Camera {Camera}: {Decision} at score {Score:F3} held back ({Reason})", _camera, outcome.Decision, score, outcome.Suppressed);
        }
        if (!outcome.Emit) return null;

        var features = new Dictionary<string, float>(_features.Length);
        for (var i = 0; i < _features.Length; i++) features[_extractor.FeatureNames[i]] = _features[i];
        var clipId = outcome.UploadClip ? ClipBuilder.NewClipId() : null;
        var gateEvent = new GateEvent
        {
            EventId = ClipIds.New(utc), Branch = _device.Branch, Site = _device.Site, Device = _device.Device, Camera = _camera,
            TimeUtc = utc, Rule = model.Rule, Decision = outcome.Decision, Score = score, Low = model.Low, High = model.High,
            WindowStartUtc = utc - (window.End - window.Start), WindowEndUtc = utc, Features = features, ClipId = clipId,
        };
        await _spool.EnqueueGateEventAsync(gateEvent, ct).ConfigureAwait(false);
        _counters.Decision(outcome.Decision);
        _logger.LogInformation("Camera {Camera}: gate {Rule} {Decision} score {Score:F3} (low {Low:F3}, high {High:F3}){Clip}",
            _camera, model.Rule, outcome.Decision, score, model.Low, model.High, clipId is null ? "" : " clip " + clipId);
        return clipId is null ? null : new ClipRequest(clipId, _device.Branch, _device.Site, _device.Device, _camera, model.Rule, outcome.Decision, score, features);
    }

    public void Dispose()
    {
        _extractor.Dispose();
        _pose?.Dispose();
    }
}
