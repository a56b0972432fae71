using VideoAnalytics.Cloud.Models;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Cloud.Tests.Models;

public class ScopeResolutionTests
{
    private static readonly DeviceId Lobby = new("north", "s12", "jetson-1");
    private static readonly DeviceId OtherSite = new("north", "s13", "jetson-1");
    private static readonly DeviceId OtherBranch = new("south", "s12", "jetson-1");

    private static ModelAssignment A(string id, string scope, ModelKind kind, string version) =>
        new(id.PadRight(8, '0'), ModelScope.Parse(scope), kind, kind == ModelKind.Heads ? "gate-heads" : "yolox-nano", version);

    [Fact]
    public void The_most_specific_scope_wins_per_kind()
    {
        var active = new[]
        {
            A("org", "org", ModelKind.Detector, "1.0"),
            A("branch", "branch:north", ModelKind.Detector, "1.1"),
            A("site", "site:north/s12", ModelKind.Detector, "1.2"),
            A("heads", "branch:north", ModelKind.Heads, "n-7"),
        };
        var lobby = ScopeResolution.Resolve(active, Lobby);
        Assert.Equal([("", ModelKind.Detector, "1.2"), ("", ModelKind.Heads, "n-7")], lobby.Select(t => (t.Camera, t.Kind, t.Version)));

        Assert.Equal(["1.1", "n-7"], ScopeResolution.Resolve(active, OtherSite).Select(t => t.Version));
        Assert.Equal(["1.0"], ScopeResolution.Resolve(active, OtherBranch).Select(t => t.Version));
    }

    [Fact]
    public void A_camera_assignment_adds_an_override_for_that_camera_only()
    {
        var active = new[] { A("org", "org", ModelKind.Detector, "1.0"), A("cam", "camera:north/s12/jetson-1/vault", ModelKind.Detector, "2.0-night") };
        var lobby = ScopeResolution.Resolve(active, Lobby);
        Assert.Equal([("", "1.0"), ("vault", "2.0-night")], lobby.Select(t => (t.Camera, t.Version)));
        Assert.Equal(["1.0"], ScopeResolution.Resolve(active, new DeviceId("north", "s12", "jetson-2")).Select(t => t.Version));
    }

    [Fact]
    public void A_device_outside_every_scope_gets_nothing()
    {
        Assert.Empty(ScopeResolution.Resolve([A("site", "site:north/s12", ModelKind.Detector, "1.2")], OtherBranch));
    }

    [Theory]
    [InlineData("org", "org")]
    [InlineData("branch:north", "branch:north")]
    [InlineData("site:north/s12", "site:north/s12")]
    [InlineData("camera:north/s12/jetson-1/lobby", "camera:north/s12/jetson-1/lobby")]
    public void Scopes_parse_and_print_back(string text, string expected) => Assert.Equal(expected, ModelScope.Parse(text).ToString());

    [Theory]
    [InlineData("", "is not one of")]
    [InlineData("region:x", "is not one of")]
    [InlineData("site:north", "is not one of")]
    [InlineData("branch:North", "'North' is not a valid id")]
    public void Bad_scopes_say_what_is_wrong(string text, string reason)
    {
        Assert.False(ModelScope.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
