using System.ComponentModel.DataAnnotations;

namespace VideoAnalytics.Cloud.Models.Heads;

/// <summary>Per-branch head training (<c>Cloud:Models:Training</c>).</summary>
public sealed class HeadTrainingOptions
{
    public const string Section = "Cloud:Models:Training";

    /// <summary>Private key (PEM) the cloud signs trained heads with; its public key must be in the edges' TrustedKeys.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Key id of <see cref="SigningKey"/>; default from the file name <c>KEYID.private.pem</c>.</summary>
    public string? SigningKeyId { get; set; }

    /// <summary>Fewer labels than this of either class and no training is attempted.</summary>
    [Range(2, 100_000)] public int MinLabelsPerClass { get; set; } = 10;

    /// <summary>Share of the branch's cameras whose labels are held out to compare the candidate with the current heads.</summary>
    [Range(10, 50)] public int HeldOutPercent { get; set; } = 30;

    /// <summary>The candidate must lower the held-out log-loss by at least this much to be rolled out.</summary>
    [Range(0, 1)] public double MinImprovement { get; set; } = 0.01;

    [Range(0, 1000)] public double L2 { get; set; } = 1.0;

    [Range(0, 100)] public int CanaryPercent { get; set; } = 25;
}
