using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Topics;

namespace VideoAnalytics.Contracts.Tests;

public class MqttTopicTests
{
    private static readonly DeviceId Device = new("north", "branch-12", "jetson-1");

    [Fact]
    public void Every_built_topic_parses_back_to_its_parts()
    {
        var cam = Device.Camera("lobby");
        var clipId = ClipIds.New(DateTimeOffset.UtcNow);
        var cases = new (string Topic, TopicKind Kind, string? Camera, string? Clip)[]
        {
            (MqttTopics.Status(Device), TopicKind.Status, null, null),
            (MqttTopics.Tracks(cam), TopicKind.Tracks, "lobby", null),
            (MqttTopics.Events(cam), TopicKind.Events, "lobby", null),
            (MqttTopics.Clip(cam, clipId), TopicKind.Clip, "lobby", clipId),
            (MqttTopics.ModelsDesired(Device), TopicKind.ModelsDesired, null, null),
            (MqttTopics.ModelsReported(Device), TopicKind.ModelsReported, null, null),
        };
        foreach (var (topic, kind, camera, clip) in cases)
        {
            Assert.True(MqttTopics.TryParse(topic, out var p, out var error), $"{topic}: {error}");
            Assert.Equal(kind, p.Kind);
            Assert.Equal(Device, p.DeviceId);
            Assert.Equal(camera, p.Camera);
            Assert.Equal(clip, p.ClipId);
        }
    }

    [Fact]
    public void Site_alert_topic_parses_without_a_device()
    {
        var topic = MqttTopics.SiteAlerts(Device.SiteId);
        Assert.Equal("va/v1/north/branch-12/alerts", topic);
        Assert.True(MqttTopics.TryParse(topic, out var p, out _));
        Assert.Equal(TopicKind.SiteAlerts, p.Kind);
        Assert.Null(p.Device);
    }

    [Theory]
    [InlineData("")]
    [InlineData("va/v2/north/b/d/status")]
    [InlineData("va/v1/North/b/d/status")]
    [InlineData("va/v1/north/b/d")]
    [InlineData("va/v1/north/b/d/statuses")]
    [InlineData("va/v1/north/b/d/cam/c/clips/short")]
    [InlineData("va/v1/north/b/d/cam/c/clips/../../etc")]
    [InlineData("va/v1/north/b/d/cam/Lobby/tracks")]
    [InlineData("va/v1/north/b/d/cam/c/tracks/extra")]
    [InlineData("va/v1/north/b/d/models/secret")]
    [InlineData("va/v1/north/b/+/status")]
    [InlineData("va/v1/north/b/#")]
    [InlineData("va/v1/north/b/this-device-name-is-far-too-long-for-a-slug/status")]
    public void Malformed_topics_are_rejected_with_a_reason(string topic)
    {
        Assert.False(MqttTopics.TryParse(topic, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Theory]
    [InlineData("North")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("with space")]
    [InlineData("+")]
    public void Invalid_ids_cannot_build_a_topic(string bad)
    {
        Assert.Throws<ArgumentException>(() => new DeviceId(bad, "s", "d"));
        Assert.Throws<ArgumentException>(() => Device.Camera(bad));
    }

    [Fact]
    public void Cloud_subscriptions_are_shared_and_cover_every_edge_topic()
    {
        Assert.All(MqttTopics.CloudSubscriptions, s => Assert.StartsWith("$share/va-cloud/va/v1/", s));
        Assert.Equal(5, MqttTopics.CloudSubscriptions.Count);
    }
}
