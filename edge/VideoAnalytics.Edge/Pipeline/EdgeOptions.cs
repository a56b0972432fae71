using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using VideoAnalytics.Edge.Capture;
using VideoAnalytics.Edge.Device;
using VideoAnalytics.Edge.Gating;
using VideoAnalytics.Edge.Perception;
using VideoAnalytics.Vision.Gating;
using VideoAnalytics.Vision.Onnx;

namespace VideoAnalytics.Edge.Pipeline;

/// <summary>
/// The agent's configuration (<c>Edge:*</c>): the device and what its camera pipelines are built from. Bound strictly:
/// an unknown or malformed key fails start-up naming it.
/// </summary>
public sealed class EdgeOptions
{
    /// <summary>Sections under <c>Edge</c> owned by other parts of the agent (uplink, spool, model updates).</summary>
    public static readonly string[] OtherSections = ["Mqtt", "Spool", "Uplink", "Models", "Status"];
    private static readonly string[] OwnSections = ["Device", "Cameras", "Onnx", "Detector", "Encoder", "Pose", "Gate", "Tracks"];

    public DeviceOptions Device { get; set; } = new();
    public List<CameraOptions> Cameras { get; set; } = [];
    public OnnxRuntimeOptions Onnx { get; set; } = new();
    public DetectorOptions Detector { get; set; } = new();
    public EncoderOptions Encoder { get; set; } = new();
    public PoseOptions Pose { get; set; } = new();
    public GateOptions Gate { get; set; } = new();
    public TrackOptions Tracks { get; set; } = new();

    /// <summary>Binds every section of <paramref name="edge"/> this agent owns; throws <see cref="InvalidOperationException"/> naming the first bad key.</summary>
    public static void Bind(IConfigurationSection edge, EdgeOptions options)
    {
        foreach (var child in edge.GetChildren())
        {
            if (!OwnSections.Contains(child.Key, StringComparer.OrdinalIgnoreCase) && !OtherSections.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                throw new InvalidOperationException($"{child.Path} is not a known setting (known: {string.Join(", ", OwnSections.Concat(OtherSections))})");
        }
        BindSection(edge.GetSection("Device"), options.Device);
        BindSection(edge.GetSection("Onnx"), options.Onnx);
        BindSection(edge.GetSection("Detector"), options.Detector);
        BindSection(edge.GetSection("Encoder"), options.Encoder);
        BindSection(edge.GetSection("Pose"), options.Pose);
        BindSection(edge.GetSection("Gate"), options.Gate);
        BindSection(edge.GetSection("Tracks"), options.Tracks);
        options.Cameras = [];
        foreach (var camera in edge.GetSection("Cameras").GetChildren())
        {
            var c = new CameraOptions();
            BindSection(camera, c);
            options.Cameras.Add(c);
        }
    }

    private static void BindSection(IConfigurationSection section, object target)
    {
        try
        {
            section.Bind(target, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key but not where it is; say both, on one line.
            throw new InvalidOperationException($"{section.Path}: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }
}

/// <summary>Start-up checks beyond single values: required paths exist, ids are unique, models load.</summary>
public sealed class EdgeOptionsValidator : IValidateOptions<EdgeOptions>
{
    public ValidateOptionsResult Validate(string? name, EdgeOptions o)
    {
        var errors = new List<string>();
        Annotations(o.Device, "Edge:Device", errors);
        Annotations(o.Gate, "Edge:Gate", errors);
        Annotations(o.Tracks, "Edge:Tracks", errors);
        errors.AddRange(o.Onnx.Validate().Select(e => "Edge:" + e));
        if (o.Cameras.Count == 0) errors.Add("Edge:Cameras is empty: configure at least one camera (Id, Source)");
        for (var i = 0; i < o.Cameras.Count; i++)
        {
            var c = o.Cameras[i];
            Annotations(c, $"Edge:Cameras:{i}", errors);
            if (FrameSources.LocalPath(c) is { Length: > 0 } path && !File.Exists(path) && !Directory.Exists(path))
                errors.Add($"Edge:Cameras:{i}:Source '{Path.GetFullPath(path)}' does not exist");
        }
        foreach (var dup in o.Cameras.GroupBy(c => c.Id).Where(g => g.Count() > 1)) errors.Add($"Edge:Cameras: camera id '{dup.Key}' appears {dup.Count()} times");
        RequireFile(o.Detector.Manifest, "Edge:Detector:Manifest", errors);
        if (!string.IsNullOrWhiteSpace(o.Detector.ModelFile)) RequireFile(o.Detector.ModelFile, "Edge:Detector:ModelFile", errors);
        if (o.Encoder.Enabled)
        {
            RequireFile(o.Encoder.Manifest, "Edge:Encoder:Manifest", errors);
            if (!string.IsNullOrWhiteSpace(o.Encoder.ModelFile)) RequireFile(o.Encoder.ModelFile, "Edge:Encoder:ModelFile", errors);
            if (!string.IsNullOrWhiteSpace(o.Encoder.Heads)) RequireFile(o.Encoder.Heads, "Edge:Encoder:Heads", errors);
            if (!string.IsNullOrWhiteSpace(o.Encoder.SceneHeads)) RequireFile(o.Encoder.SceneHeads, "Edge:Encoder:SceneHeads", errors);
            Annotations(o.Encoder, "Edge:Encoder", errors);
        }
        if (o.Pose.Enabled)
        {
            RequireFile(o.Pose.Manifest, "Edge:Pose:Manifest", errors);
            if (!string.IsNullOrWhiteSpace(o.Pose.ModelFile)) RequireFile(o.Pose.ModelFile, "Edge:Pose:ModelFile", errors);
            Annotations(o.Pose, "Edge:Pose", errors);
        }
        if (RequireFile(o.Gate.Heads, "Edge:Gate:Heads", errors))
        {
            try
            {
                // The features this configuration will compute must be the ones the gate was trained on (Edge:Pose).
                var gate = GateModel.Load(o.Gate.Heads);
                gate.RequireFeatures(GateFeatures.Names(o.Pose.Enabled, gate.HeadNames), o.Gate.Heads);
            }
            catch (InvalidDataException e) { errors.Add($"Edge:Gate:Heads: {e.Message}"); }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Annotations(object target, string key, List<string> errors)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(target, new ValidationContext(target), results, validateAllProperties: true)) return;
        errors.AddRange(results.Select(r => $"{key}:{string.Join(",", r.MemberNames)} {r.ErrorMessage}"));
    }

    private static bool RequireFile(string? path, string key, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(path)) { errors.Add($"{key} is required"); return false; }
        if (File.Exists(path)) return true;
        errors.Add($"{key} '{Path.GetFullPath(path)}' does not exist");
        return false;
    }
}
