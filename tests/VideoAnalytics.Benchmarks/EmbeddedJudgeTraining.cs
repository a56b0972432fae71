using System.Text.Json;
using VideoAnalytics.Cloud.Judging;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Benchmarks;

/// <summary>
/// <c>train-judge [out.json] [keyframes]</c>: trains the embedded judge's head on <c>fight_labels.csv</c>, prints grouped
/// cross-validation scores (by source_group) and writes the weights (default: the file the cloud ships).
/// </summary>
public static class EmbeddedJudgeTraining
{
    public static Task<int> RunAsync(string[] args)
    {
        var output = args.Length > 0 ? args[0]
            : Path.Combine(TestEnvironment.RepoRoot, "cloud", "VideoAnalytics.Cloud", "Judging", "embedded-judge-weights.json");
        var keyframes = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 8;
        var data = EmbeddedJudgeTrainer.ExtractFeatures(TestEnvironment.FightLabelsCsv, keyframes, CancellationToken.None);
        var cv = EmbeddedJudgeTrainer.CrossValidate(data);
        Console.WriteLine(EmbeddedJudgeTrainer.Describe(cv));
        var weights = EmbeddedJudgeTrainer.Fit(data, "v1",
            $"fight_labels.csv: {data.Count} clips, {keyframes} keyframes each; {EmbeddedJudgeTrainer.Describe(cv)}");
        File.WriteAllText(output, JsonSerializer.Serialize(weights, EmbeddedJudgeWeights.Json));
        Console.WriteLine($"embedded_judge_cv_accuracy={cv.Accuracy:0.000} embedded_judge_cv_auc={cv.Auc:0.000} clips={cv.Clips} weights={output}");
        return Task.FromResult(0);
    }
}
