using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using VideoAnalytics.Cloud.Storage;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Vision.Gating;

namespace VideoAnalytics.Cloud.Models.Heads;

public sealed record HeadTrainingResult(
    string Branch, string Rule, int Labels, int StaffLabels, int JudgeLabels, int HeldOut,
    double? CandidateLogLoss, double? CurrentLogLoss, string? CurrentHeads, bool RolledOut, string? Model, string? RolloutId, string Reason);

/// <summary>
/// Fits new gate heads for one branch from its labels (staff decisions first, then confident judge verdicts), with
/// ML.NET logistic regression (L2) and thresholds calibrated by grouped cross-validation (<see cref="GateTrainer"/>).
/// The candidate is trained without the held-out cameras and compared with the heads the branch runs now on those
/// cameras' labels; only a candidate with a lower held-out log-loss is signed, registered and rolled out to the
/// branch (scope <c>branch:&lt;id&gt;</c>, canary first), trained this time on all the branch's labels.
/// </summary>
public sealed class BranchHeadTrainer(
    HeadLabelStore labels, ModelRegistryStore store, IClipStore blobs, PackageUploads uploads, ModelRollouts rollouts,
    IOptions<HeadTrainingOptions> options, ILogger<BranchHeadTrainer> logger)
{
    public const string PackageFile = "heads.json";

    public async Task<HeadTrainingResult> TrainAsync(string branch, string rule, string actor, CancellationToken ct)
    {
        var o = options.Value;
        Slug.Require(branch, "branch");
        Slug.Require(rule, "rule");
        var all = await labels.LabelsAsync(branch, rule, ct);
        var (current, currentName) = await CurrentHeadsAsync(branch, ct);
        var features = current?.FeatureNames ?? GateFeatures.Core.Where(f => all.Count > 0 && all.All(l => l.Features.ContainsKey(f))).ToList();
        var usable = all.Where(l => features.Count > 0 && features.All(l.Features.ContainsKey)).ToList();
        HeadTrainingResult Result(bool rolledOut, string reason, int heldOut = 0, double? candidateLoss = null, double? currentLoss = null, string? model = null, string? rollout = null) =>
            new(branch, rule, usable.Count, usable.Count(l => l.Source == "staff"), usable.Count(l => l.Source != "staff"), heldOut,
                candidateLoss, currentLoss, currentName, rolledOut, model, rollout, reason);

        var fights = usable.Count(l => l.Fight);
        if (fights < o.MinLabelsPerClass || usable.Count - fights < o.MinLabelsPerClass)
            return Result(false, $"not enough labels with gate features: {fights} {rule} and {usable.Count - fights} not, need {o.MinLabelsPerClass} of each (Cloud:Models:Training:MinLabelsPerClass)");

        var heldOutGroups = usable.Select(l => l.Group).Distinct().Where(g => HeldOut(branch, g, o.HeldOutPercent)).ToHashSet();
        var train = usable.Where(l => !heldOutGroups.Contains(l.Group)).ToList();
        var test = usable.Where(l => heldOutGroups.Contains(l.Group)).ToList();
        if (test.Select(l => l.Fight).Distinct().Count() < 2 || train.Select(l => l.Fight).Distinct().Count() < 2 || train.Select(l => l.Group).Distinct().Count() < 2)
            return Result(false, $"labels come from too few cameras ({usable.Select(l => l.Group).Distinct().Count()}) to hold some out with both labels on each side");

        var window = current?.Window() ?? new GateWindowSettings();
        var fps = current?.AnalysisFps ?? 5;
        var trainingOptions = new GateTrainingOptions { L2 = o.L2 };
        var candidate = GateTrainer.Train(Videos(train, features), trainingOptions, window, fps, Provenance(branch, train.Count)).Model;
        var candidateLoss = LogLoss(test, features, x => candidate.Score(x));
        var baseRate = Math.Clamp(train.Count(l => l.Fight) / (double)train.Count, 1e-3, 1 - 1e-3);
        var currentLoss = current is null ? LogLoss(test, features, _ => baseRate) : LogLoss(test, features, x => current.Score(x));
        logger.LogInformation("Branch {Branch} {Rule} heads: candidate held-out log-loss {Candidate:0.000} vs current {Current:0.000} ({CurrentHeads}) on {HeldOut} labels",
            branch, rule, candidateLoss, currentLoss, currentName ?? "base rate", test.Count);
        if (candidateLoss > currentLoss - o.MinImprovement)
            return Result(false, $"candidate is not better on {test.Count} held-out labels: log-loss {candidateLoss:0.000} vs current {currentLoss:0.000} (needs {o.MinImprovement} lower)", test.Count, candidateLoss, currentLoss);

        var version = $"{branch}.{DateTimeOffset.UtcNow:yyyyMMddHHmmssfff}";
        var final = GateTrainer.Train(Videos(usable, features), trainingOptions, window, fps, Provenance(branch, usable.Count)).Model with { Version = version };
        var name = $"gate-{rule}";
        var registered = await RegisterAsync(name, version, final, actor, ct);
        if (registered.Error is not null) return Result(false, $"could not register the heads: {registered.Error}", test.Count, candidateLoss, currentLoss);
        var (rollout, error) = await rollouts.AssignAsync(new AssignRequest($"branch:{branch}", name, version, o.CanaryPercent), actor, ct);
        if (error is not null) return Result(false, $"registered {name}@{version} but could not roll it out: {error}", test.Count, candidateLoss, currentLoss, $"{name}@{version}");
        return Result(true, $"better on {test.Count} held-out labels; rolling out to branch:{branch}", test.Count, candidateLoss, currentLoss, $"{name}@{version}", rollout!.RolloutId);
    }

    private async Task<UploadResult> RegisterAsync(string name, string version, GateModel heads, string actor, CancellationToken ct)
    {
        var o = options.Value;
        if (o.SigningKey is not { Length: > 0 } keyPath || !File.Exists(keyPath))
            return new(StatusCodes.Status500InternalServerError, $"{HeadTrainingOptions.Section}:SigningKey is not set or missing ('{o.SigningKey}'): the cloud needs a signing key the edges trust");
        var dir = Path.Combine(Path.GetTempPath(), "va-heads-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, PackageFile), heads.ToJson(), ct);
            var manifest = new ModelManifest
            {
                Name = name, Kind = ModelKind.Heads, Version = version, Labels = [heads.Rule],
                Thresholds = new Dictionary<string, double> { [$"{heads.Rule}.low"] = heads.Low, [$"{heads.Rule}.high"] = heads.High },
                Files = [],
            };
            await File.WriteAllBytesAsync(Path.Combine(dir, ModelPackageFiles.Manifest), ContractJson.Serialize(manifest), ct);
            using var key = ModelSigningKeys.Load(await File.ReadAllTextAsync(keyPath, ct), $"{HeadTrainingOptions.Section}:SigningKey");
            await ModelPackageSigner.SignAsync(dir, key, o.SigningKeyId ?? ModelSigningKeys.KeyIdFromFile(keyPath, key), DateTimeOffset.UtcNow, ct);
            return await uploads.RegisterDirectoryAsync(dir, actor, ct);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The gate heads the branch as a whole runs now, read from the registry's blob store.</summary>
    private async Task<(GateModel? Model, string? Name)> CurrentHeadsAsync(string branch, CancellationToken ct)
    {
        if (HeadLabelStore.CurrentAssignment(await store.ActiveAssignmentsAsync(ct), branch) is not { } a) return (null, null);
        var file = await store.FileAsync(a.Name, a.Version, PackageFile, ct);
        await using var blob = file is null ? null : await blobs.OpenReadAsync(file.BlobKey, ct);
        if (blob is null) return (null, null);
        var temp = Path.GetTempFileName();
        try
        {
            await using (var f = File.Create(temp)) await blob.CopyToAsync(f, ct);
            return (GateModel.Load(temp), $"{a.Name}@{a.Version}");
        }
        catch (InvalidDataException e)
        {
            logger.LogWarning("Current heads {Model} of branch {Branch} are unreadable ({Error}); comparing with the base rate", $"{a.Name}@{a.Version}", branch, e.Message);
            return (null, null);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static List<VideoFeatures> Videos(IEnumerable<HeadLabel> rows, IReadOnlyList<string> features) =>
        [.. rows.Select(l => new VideoFeatures(l.ClipId, l.Fight, l.Group, features, [[.. features.Select(f => l.Features[f])]]))];

    private static double LogLoss(IReadOnlyList<HeadLabel> rows, IReadOnlyList<string> features, Func<float[], double> score) =>
        rows.Average(l =>
        {
            var p = Math.Clamp(score([.. features.Select(f => l.Features[f])]), 1e-6, 1 - 1e-6);
            return l.Fight ? -Math.Log(p) : -Math.Log(1 - p);
        });

    /// <summary>A stable choice of held-out cameras per branch, so repeated training compares on the same footage.</summary>
    private static bool HeldOut(string branch, string group, int percent) =>
        BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes($"{branch}|{group}")), 0) % 100 < percent;

    private static Dictionary<string, string> Provenance(string branch, int labels) => new()
    {
        ["branch"] = branch,
        ["labels"] = labels.ToString(CultureInfo.InvariantCulture),
        ["source"] = "staff decisions and confident judge verdicts of the branch (labels table)",
    };
}
