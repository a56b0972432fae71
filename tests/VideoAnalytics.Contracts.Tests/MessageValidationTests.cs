using System.Text;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Contracts.Serialization;

namespace VideoAnalytics.Contracts.Tests;

public class MessageValidationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    internal static ClipManifest ValidClip() => new()
    {
        ClipId = ClipIds.New(Now),
        Branch = "north", Site = "branch-12", Device = "jetson-1", Camera = "lobby",
        TimeUtc = Now, StartUtc = Now.AddSeconds(-4), EndUtc = Now, Rule = "fight",
        Decision = GateDecision.Uncertain, Score = 0.5,
        Files = [new ClipFile("kf-000.jpg", "image/jpeg", 0, 1000, new string('a', 64)), new ClipFile("kf-001.jpg", "image/jpeg", 1000, 500, new string('b', 64))],
        Keyframes = [new Keyframe("kf-000.jpg", 0, [new BoxAnnotation(1, "person", 0.9f, 0.1f, 0.1f, 0.2f, 0.5f)])],
        TotalBytes = 1500, Sha256 = new string('c', 64), ChunkCount = 1, ChunkSize = 256 * 1024,
    };

    [Fact]
    public void Every_message_round_trips_through_source_generated_json()
    {
        var clip = ValidClip();
        var bytes = ContractJson.Serialize(clip);
        Assert.Contains("\"schema\":\"va.clip.v1\"", Encoding.UTF8.GetString(bytes));
        Assert.Contains("\"decision\":\"uncertain\"", Encoding.UTF8.GetString(bytes));
        Assert.True(ContractJson.TryRead<ClipManifest>(bytes, Now, out var back, out var error), error);
        Assert.Equal(clip.ClipId, back.ClipId);
        Assert.Equal(clip.Files, back.Files);

        var judgment = new Judgment
        {
            ClipId = clip.ClipId, Branch = "north", Site = "branch-12", Device = "jetson-1", Camera = "lobby", TimeUtc = Now,
            Rule = "fight", Verdict = Verdict.NoFight, Confidence = 0.8, Reason = "two people walk past each other", Backend = "embedded", DurationMs = 12,
        };
        var json = ContractJson.SerializeToString(judgment);
        Assert.Contains("\"verdict\":\"no_fight\"", json);
        Assert.True(ContractJson.TryRead<Judgment>(Encoding.UTF8.GetBytes(json), Now, out var j, out _));
        Assert.Equal(Verdict.NoFight, j.Verdict);
    }

    [Fact]
    public void A_valid_clip_manifest_has_no_reasons() => Assert.Empty(ValidClip().Validate(Now));

    [Fact]
    public void Clip_manifest_reasons_name_what_is_wrong()
    {
        var bad = ValidClip() with
        {
            Branch = "North",
            TimeUtc = Now.AddYears(5),
            Files = [new ClipFile("../etc/passwd", "image/jpeg", 0, 1500, "xyz")],
            ChunkSize = 10 * 1024 * 1024,
        };
        var reasons = bad.Validate(Now);
        Assert.Contains(reasons, r => r.Contains("branch"));
        Assert.Contains(reasons, r => r.Contains("absurd"));
        Assert.Contains(reasons, r => r.Contains("plain file name"));
        Assert.Contains(reasons, r => r.Contains("sha256"));
        Assert.Contains(reasons, r => r.Contains("chunkSize"));
    }

    [Fact]
    public void Schema_mismatch_is_rejected()
    {
        var clip = ValidClip() with { Schema = "va.clip.v9" };
        Assert.False(ContractJson.TryRead<ClipManifest>(ContractJson.Serialize(clip), Now, out _, out var error));
        Assert.Contains("schema", error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"schema\":\"va.tracks.v1\"}")]
    [InlineData("{\"schema\":\"va.tracks.v1\",\"messageId\":12}")]
    public void Malformed_payloads_are_rejected_without_throwing(string payload)
    {
        Assert.False(ContractJson.TryRead<TrackBatch>(Encoding.UTF8.GetBytes(payload), Now, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var rng = new Random(42);
        for (var i = 0; i < 2000; i++)
        {
            var buf = new byte[rng.Next(0, 300)];
            rng.NextBytes(buf);
            if (i % 3 == 0 && buf.Length > 2) { buf[0] = (byte)'{'; buf[^1] = (byte)'}'; }
            Assert.False(ContractJson.TryRead<DeviceStatus>(buf, Now, out _, out _));
        }
    }

    [Fact]
    public void Oversized_payload_is_rejected_before_parsing()
    {
        var huge = new byte[Limits.MaxJsonPayloadBytes + 1];
        Assert.False(ContractJson.TryRead<TrackBatch>(huge, Now, out _, out var error));
        Assert.Contains("over", error);
    }

    [Fact]
    public void Track_batch_validates_each_record()
    {
        var batch = new TrackBatch
        {
            MessageId = ClipIds.New(Now), Sequence = 3, Branch = "north", Site = "s1", Device = "d1", Camera = "c1", TimeUtc = Now,
            Records =
            [
                new TrackRecord { TrackId = 1, ClassName = "person", FirstSeenUtc = Now, LastSeenUtc = Now.AddSeconds(-1), MaxScore = 2, Embedding = [float.NaN] },
            ],
        };
        var reasons = batch.Validate(Now);
        Assert.Contains(reasons, r => r.Contains("ends before it starts"));
        Assert.Contains(reasons, r => r.Contains("maxScore"));
        Assert.Contains(reasons, r => r.Contains("non-finite"));
    }

    [Fact]
    public void Chunk_header_round_trips_and_rejects_bad_properties()
    {
        var h = new ClipChunkHeader(ClipIds.New(Now), 2, 5, new string('d', 64));
        Assert.True(ClipChunkHeader.TryParse(h.ToUserProperties(), out var back, out _));
        Assert.Equal(h, back);

        var bad = h.ToUserProperties().Select(p => p.Key == "index" ? new KeyValuePair<string, string>("index", "7") : p);
        Assert.False(ClipChunkHeader.TryParse(bad, out _, out var error));
        Assert.Contains("index", error);
        Assert.False(ClipChunkHeader.TryParse([], out _, out _));
    }

    [Fact]
    public void Model_manifest_and_desired_state_validate()
    {
        var m = new ModelManifest
        {
            Name = "yolox-nano", Kind = ModelKind.Detector, Version = "1.0.0", Format = "yolox",
            Input = new ModelInput { Name = "images", Width = 416, Height = 416, Layout = "nchw", ColorOrder = "bgr", Resize = "letterbox" },
            Files = [new ModelFile("model.onnx", new string('e', 64), 100)],
        };
        Assert.Empty(m.Validate(Now));
        Assert.NotEmpty((m with { Files = [new ModelFile("/abs/model.onnx", "nope", 0)] }).Validate(Now));

        var desired = new DesiredModelState
        {
            Branch = "north", Site = "s1", Device = "d1", TimeUtc = Now, RolloutId = ClipIds.New(Now),
            Models = [new DesiredModel("yolox-nano", ModelKind.Detector, "1.0.0", "ftp://x", new string('f', 64), "sig", "k1")],
        };
        Assert.Contains(desired.Validate(Now), r => r.Contains("http"));
    }
}
