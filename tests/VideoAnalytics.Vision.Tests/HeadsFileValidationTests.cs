using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Heads;

namespace VideoAnalytics.Vision.Tests;

public sealed class HeadsFileValidationTests : IDisposable
{
    private readonly string _dir = TestEnvironment.NewTempDir("va-heads");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static HeadsFile TwoHeads(int embeddingSize) => new()
    {
        Encoder = "tiny",
        EmbeddingSize = embeddingSize,
        Heads =
        [
            new HeadDefinition { Name = "fight", Activation = "sigmoid", Labels = ["fight"], Weights = [Row(embeddingSize, 0, 2f)], Bias = [-1f], Low = 0.4f, High = 0.8f },
            new HeadDefinition { Name = "upper-colour", Activation = "softmax", Labels = ["dark", "light", "red"], Weights = [Row(embeddingSize, 0, 1f), Row(embeddingSize, 1, 1f), Row(embeddingSize, 2, 1f)], Bias = [0f, 0f, 0f] },
        ],
    };

    private static float[] Row(int size, int index, float value)
    {
        var row = new float[size];
        row[index] = value;
        return row;
    }

    private string Write(HeadsFile file)
    {
        var path = Path.Combine(_dir, "heads.json");
        File.WriteAllBytes(path, HeadSet.Serialize(file));
        return path;
    }

    [Fact]
    public void Heads_apply_sigmoid_and_softmax_into_one_score_vector()
    {
        var heads = HeadSet.Load(Write(TwoHeads(4)), 4, "tiny");
        var scores = new float[heads.OutputCount];

        heads.Apply([1f, 0f, 0f, 0f], scores);

        Assert.Equal(4, heads.OutputCount);
        var fight = heads.Find("fight")!;
        Assert.Equal(1 / (1 + MathF.Exp(-1)), scores[fight.Offset], 5);
        Assert.Equal(HeadLevel.Uncertain, fight.Classify(scores[fight.Offset]));
        var colour = heads.Find("upper-colour")!;
        Assert.Equal(1f, scores[colour.Offset] + scores[colour.Offset + 1] + scores[colour.Offset + 2], 5);
        Assert.True(scores[colour.Offset] > scores[colour.Offset + 1]);
    }

    [Fact]
    public void A_heads_file_for_another_embedding_size_is_rejected_naming_file_and_sizes()
    {
        var path = Write(TwoHeads(256));

        var e = Assert.Throws<HeadsFileException>(() => HeadSet.Load(path, 512, "osnet-x0-25"));

        Assert.Contains(path, e.Message);
        Assert.Contains("256-d", e.Message);
        Assert.Contains("'osnet-x0-25' produces 512-d", e.Message);
    }

    [Fact]
    public void A_heads_file_made_for_another_encoder_is_rejected()
    {
        var e = Assert.Throws<HeadsFileException>(() => HeadSet.Load(Write(TwoHeads(4)), 4, "other"));

        Assert.Contains("'tiny'", e.Message);
    }

    [Fact]
    public void A_short_weight_row_is_rejected_naming_the_head()
    {
        var file = TwoHeads(4);
        file = file with { Heads = [file.Heads[0] with { Weights = [new float[3]] }] };

        var e = Assert.Throws<HeadsFileException>(() => HeadSet.Load(Write(file), 4));

        Assert.Contains("head 'fight' weight row 0 has 3 values", e.Message);
    }

    [Theory]
    [InlineData("""{"schema":"va.heads.v1","embeddingSize":2,"heads":[{"name":"x","activation":"relu","labels":["x"],"weights":[[1,2]],"bias":[0]}]}""", "activation 'relu'")]
    [InlineData("""{"schema":"va.heads.v1","embeddingSize":2,"heads":[{"name":"x","activation":"sigmoid","labels":["x"],"weights":[[1,2]],"bias":[0],"low":0.9,"high":0.5}]}""", "low (0.9) <= high (0.5)")]
    [InlineData("""{"schema":"va.heads.v1","embeddingSize":2,"heads":[{"name":"x","activation":"sigmoid","labels":["x","y"],"weights":[[1,2]],"bias":[0,0]}]}""", "1 weight rows for 2 labels")]
    [InlineData("""{"schema":"va.heads.v1","embeddingSize":2,"heads":[{"name":"x","activation":"sigmoid","labels":["x"],"weights":[[1,"NaN"]],"bias":[0]}]}""", "NaN")]
    [InlineData("""{"schema":"va.heads.v0","embeddingSize":2,"heads":[]}""", "schema")]
    [InlineData("""{"schema":"va.heads.v1","embeddingSize":2,"heads":""", "not valid JSON")]
    public void Malformed_heads_files_get_a_clear_error(string json, string expected)
    {
        var e = Assert.Throws<HeadsFileException>(() => HeadSet.Parse(System.Text.Encoding.UTF8.GetBytes(json), 2, "test.json"));

        Assert.Contains(expected, e.Message);
        Assert.Contains("test.json", e.Message);
    }

    [Fact]
    public void Missing_heads_file_names_the_path()
    {
        var path = Path.Combine(_dir, "absent.json");

        var e = Assert.Throws<HeadsFileException>(() => HeadSet.Load(path, 4));

        Assert.Contains(path, e.Message);
    }
}
