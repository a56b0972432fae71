using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Edge.Uplink;

namespace VideoAnalytics.Edge.Models;

/// <summary>The slots the pipeline reads, one per model kind (and per camera where a camera has its own model).</summary>
public sealed class ModelSlots : IDisposable
{
    private readonly Dictionary<(ModelKind Kind, string Camera), ModelSlot<ActiveModel>> _slots = [];
    private readonly Lock _gate = new();

    /// <summary>The slot a camera reads for a kind: its own when it has one, otherwise the device-wide slot.</summary>
    public ModelSlot<ActiveModel> For(ModelKind kind, string? camera = null)
    {
        lock (_gate)
        {
            if (camera is not null && _slots.TryGetValue((kind, camera), out var own) && own.HasValue) return own;
            return Get(kind, "");
        }
    }

    internal ModelSlot<ActiveModel> Get(ModelKind kind, string camera)
    {
        lock (_gate)
        {
            if (!_slots.TryGetValue((kind, camera), out var slot)) _slots[(kind, camera)] = slot = new ModelSlot<ActiveModel>();
            return slot;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var s in _slots.Values) s.Dispose();
            _slots.Clear();
        }
    }
}

/// <summary>What runs in each slot, and the last version that ran well there; <c>{Directory}/active.json</c>.</summary>
internal sealed record ActiveRecord(Dictionary<string, ActiveEntry> Slots);

internal sealed record ActiveEntry(string Name, string Version, ModelKind Kind, string? LastGoodVersion);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(ActiveRecord))]
internal sealed partial class ActiveRecordJsonContext : JsonSerializerContext;

/// <summary>
/// Brings the device to the model set the cloud wants (ARCHITECTURE §4.8): for each model not yet running, fetch the
/// package (resumable), verify hashes and signature, load it beside the running one, self-test it, swap the slot
/// between two frames, and report. A failure keeps the running model and reports why. Verified packages stay on disk;
/// at start the recorded version is loaded, or the last good one if that fails.
/// </summary>
public sealed class ModelManager : BackgroundService, IDesiredModelsHandler
{
    private readonly ModelManagerOptions _options;
    private readonly IModelActivator[] _activators;
    private readonly PackageDownloader _downloader;
    private readonly Lazy<IDeviceUplink> _uplink;
    private readonly TrustedModelKeys _trusted;
    private readonly ILogger<ModelManager> _logger;
    private readonly Channel<DesiredModelState> _desired = Channel.CreateBounded<DesiredModelState>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly Dictionary<string, ActiveEntry> _active = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ModelManager(IOptions<ModelManagerOptions> options, IEnumerable<IModelActivator> activators,
        PackageDownloader downloader, Func<IDeviceUplink> deviceUplink, TrustedModelKeys trusted, ModelSlots slots, ILogger<ModelManager> logger)
    {
        _options = options.Value;
        _activators = activators.ToArray();
        _downloader = downloader;
        // Resolved on first use: the uplink itself depends on this manager (as its desired-models handler).
        _uplink = new Lazy<IDeviceUplink>(deviceUplink);
        _trusted = trusted;
        Slots = slots;
        _logger = logger;
    }

    public ModelSlots Slots { get; }

    /// <summary>Completes once the models on disk have been loaded at start.</summary>
    public Task Started => _started.Task;

    /// <summary>The last report made, for the device status.</summary>
    public ReportedModelState? LastReport { get; private set; }

    private string PackagesDir => Path.Combine(_options.Directory, "packages");
    private string DownloadsDir => Path.Combine(_options.Directory, "downloads");
    private string ActivePath => Path.Combine(_options.Directory, "active.json");

    public Task OnDesiredModelsAsync(DesiredModelState desired, CancellationToken ct)
    {
        _desired.Writer.TryWrite(desired); // the newest desired state replaces one not yet started
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(PackagesDir);
        Directory.CreateDirectory(DownloadsDir);
        var startErrors = await LoadFromDiskAsync(stoppingToken);
        _started.TrySetResult();
        if (_active.Count > 0 || startErrors.Count > 0)
            await ReportAsync(null, startErrors.Count == 0 ? ModelApplyState.Running : ModelApplyState.Failed, startErrors, stoppingToken);
        await foreach (var desired in _desired.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await ApplyAsync(desired, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogError(e, "Applying desired models of rollout {RolloutId} failed unexpectedly", desired.RolloutId);
                await ReportAsync(desired.RolloutId, ModelApplyState.Failed, [$"unexpected: {e.Message}"], stoppingToken);
            }
        }
    }

    /// <summary>Applies one desired state; returns the errors it reported (empty when everything runs).</summary>
    public async Task<IReadOnlyList<string>> ApplyAsync(DesiredModelState desired, CancellationToken ct)
    {
        var errors = new List<string>();
        var changes = desired.Models.SelectMany(m => (m.Cameras ?? [""]).Select(camera => (Model: m, Camera: camera)))
            .Where(x => !(_active.TryGetValue(SlotKey(x.Model.Kind, x.Camera), out var a) && a.Name == x.Model.Name && a.Version == x.Model.Version))
            .ToList();
        if (changes.Count == 0)
        {
            await ReportAsync(desired.RolloutId, ModelApplyState.Running, errors, ct);
            return errors;
        }
        await ReportAsync(desired.RolloutId, ModelApplyState.Applying, errors, ct);
        foreach (var (model, camera) in changes)
        {
            try
            {
                var directory = await FetchAsync(model, ct);
                var instance = await ActivateAsync(directory, ct);
                var key = SlotKey(model.Kind, camera);
                Slots.Get(model.Kind, camera).Swap(instance);
                _active[key] = new ActiveEntry(model.Name, model.Version, model.Kind, model.Version);
                _logger.LogInformation("Now running {Model}@{Version} in slot {Slot} (rollout {RolloutId})", model.Name, model.Version, key, desired.RolloutId);
            }
            catch (Exception e) when (e is ModelFetchException or ModelActivationException or IOException)
            {
                _logger.LogWarning("Keeping the running model for {Kind}: {Model}@{Version} refused: {Reason}", model.Kind, model.Name, model.Version, e.Message);
                errors.Add($"{model.Name}@{model.Version}: {e.Message}");
            }
        }
        await SaveActiveAsync(ct);
        await ReportAsync(desired.RolloutId, errors.Count == 0 ? ModelApplyState.Running : ModelApplyState.Failed, errors, ct);
        return errors;
    }

    private async Task<string> FetchAsync(DesiredModel model, CancellationToken ct)
    {
        var final = Path.Combine(PackagesDir, model.Name, model.Version);
        if (Directory.Exists(final))
        {
            var kept = await ModelPackageVerifier.VerifyDirectoryAsync(final, _trusted, DateTimeOffset.UtcNow, ct, model.ManifestSha256);
            if (kept.IsValid) return final;
            Directory.Delete(final, recursive: true);
        }
        var download = Path.Combine(DownloadsDir, model.Name, model.Version);
        await _downloader.FetchPackageAsync(model, download, _trusted, ct);
        var check = await ModelPackageVerifier.VerifyDirectoryAsync(download, _trusted, DateTimeOffset.UtcNow, ct, model.ManifestSha256);
        if (!check.IsValid)
        {
            Directory.Delete(download, recursive: true);
            throw new ModelFetchException(check.ErrorText);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        Directory.Move(download, final);
        return final;
    }

    private async Task<ActiveModel> ActivateAsync(string directory, CancellationToken ct)
    {
        var check = await ModelPackageVerifier.VerifyDirectoryAsync(directory, _trusted, DateTimeOffset.UtcNow, ct);
        if (!check.IsValid) throw new ModelActivationException(check.ErrorText);
        var manifest = check.Manifest!;
        var activator = _activators.FirstOrDefault(a => a.Handles(manifest.Kind))
            ?? throw new ModelActivationException($"this device has no loader for {ModelRegistryKind(manifest.Kind)} models");
        return new ActiveModel(manifest, directory, await activator.ActivateAsync(directory, manifest, ct));
    }

    private async Task<IReadOnlyList<string>> LoadFromDiskAsync(CancellationToken ct)
    {
        var errors = new List<string>();
        if (!File.Exists(ActivePath)) return errors;
        ActiveRecord? record;
        try
        {
            record = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(ActivePath, ct), ActiveRecordJsonContext.Default.ActiveRecord);
        }
        catch (JsonException e)
        {
            _logger.LogWarning("{Path} is unreadable ({Error}); starting without models", ActivePath, e.Message);
            return [$"active.json unreadable: {e.Message}"];
        }
        foreach (var (key, entry) in record?.Slots ?? [])
        {
            var (kind, camera) = ParseSlotKey(key);
            foreach (var version in new[] { entry.Version, entry.LastGoodVersion }.OfType<string>().Distinct())
            {
                try
                {
                    var instance = await ActivateAsync(Path.Combine(PackagesDir, entry.Name, version), ct);
                    Slots.Get(kind, camera).Swap(instance);
                    _active[key] = entry with { Version = version, LastGoodVersion = version };
                    break;
                }
                catch (Exception e) when (e is ModelActivationException or IOException)
                {
                    _logger.LogWarning("Could not load {Model}@{Version} for slot {Slot} at start: {Reason}", entry.Name, version, key, e.Message);
                    errors.Add($"{entry.Name}@{version}: {e.Message}");
                }
            }
        }
        // Errors only count when the slot ended up without any model.
        return _active.Count == record?.Slots.Count ? [] : errors;
    }

    private async Task SaveActiveAsync(CancellationToken ct)
    {
        var temp = ActivePath + ".tmp";
        await File.WriteAllBytesAsync(temp, JsonSerializer.SerializeToUtf8Bytes(new ActiveRecord(new(_active)), ActiveRecordJsonContext.Default.ActiveRecord), ct);
        File.Move(temp, ActivePath, overwrite: true);
    }

    private async Task ReportAsync(string? rolloutId, ModelApplyState state, IReadOnlyList<string> errors, CancellationToken ct)
    {
        var device = _uplink.Value.Device;
        var report = new ReportedModelState
        {
            Branch = device.Branch, Site = device.Site, Device = device.Device, TimeUtc = DateTimeOffset.UtcNow,
            RolloutId = rolloutId, State = state,
            Models = [.. _active.Values.DistinctBy(a => (a.Name, a.Version)).Select(a => new RunningModel(a.Name, a.Kind, a.Version, "ok"))],
            LastError = errors.Count == 0 ? null : Truncate(string.Join("; ", errors)),
        };
        LastReport = report;
        try
        {
            await _uplink.Value.PublishModelsReportedAsync(report, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning("Could not publish models/reported ({Error}); the uplink re-publishes the last report on reconnect", e.Message);
        }
    }

    private static string Truncate(string s) => s.Length <= Contracts.Messages.Limits.MaxReasonLength ? s : s[..(Contracts.Messages.Limits.MaxReasonLength - 1)] + "…";

    private static string SlotKey(ModelKind kind, string camera) => camera.Length == 0 ? ModelRegistryKind(kind) : $"{ModelRegistryKind(kind)}:{camera}";

    private static (ModelKind, string) ParseSlotKey(string key)
    {
        var i = key.IndexOf(':', StringComparison.Ordinal);
        return (Enum.Parse<ModelKind>(i < 0 ? key : key[..i], ignoreCase: true), i < 0 ? "" : key[(i + 1)..]);
    }

    private static string ModelRegistryKind(ModelKind kind) => kind.ToString().ToLowerInvariant();

    public override void Dispose()
    {
        base.Dispose();
        Slots.Dispose();
    }
}
