using Microsoft.Extensions.Logging.Abstractions;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Edge.Gating;
using VideoAnalytics.Edge.Models;
using VideoAnalytics.Vision.Gating;

namespace VideoAnalytics.Edge.Tests;

public sealed class GateUsesHeadsPushedByTheCloudTests
{
    [Fact]
    public void A_heads_package_activated_by_the_model_manager_replaces_the_configured_gate_and_a_mismatched_one_is_ignored()
    {
        var configured = GateModel.Load(EdgeTestConfig.DefaultGateHeads);
        using var slots = new ModelSlots();
        var source = new GateModelSource(configured, slots, "cam-1", GateFeatures.Core, NullLogger.Instance);
        Assert.Same(configured, source.Current());

        var pushed = configured with { Low = 0.05, High = 0.5, Bias = configured.Bias + 1 };
        slots.Get(ModelKind.Heads, "").Swap(Active("branch-fight-heads", "2.0.0", pushed));
        var now = source.Current();
        Assert.Equal("2.0.0", now.Version);
        Assert.Equal(0.05, now.Low);
        var probe = new float[GateFeatures.Core.Count];
        Assert.True(now.Score(probe) > configured.Score(probe));

        // Heads over other features cannot score this agent's windows: the last usable gate stays.
        var foreign = pushed with { FeatureNames = [.. pushed.FeatureNames.Take(3)], Weights = [1, 2, 3], Mean = [0, 0, 0], Std = [1, 1, 1] };
        slots.Get(ModelKind.Heads, "cam-1").Swap(Active("other-heads", "3.0.0", foreign));
        Assert.Equal("2.0.0", source.Current().Version);

        // Heads fitted on optical flow of another resolution would misread this camera's motion features.
        slots.Get(ModelKind.Heads, "cam-1").Swap(Active("coarse-flow-heads", "4.0.0", pushed with { FlowWidth = configured.FlowWidth / 2 }));
        Assert.Equal("2.0.0", source.Current().Version);
    }

    private static ActiveModel Active(string name, string version, GateModel gate) =>
        new(new ModelManifest { Name = name, Kind = ModelKind.Heads, Version = version, Files = [] }, "/nowhere", new LoadedGateHeads(gate));
}
