using VideoAnalytics.Admin.Commands;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Edge.Models;
using VideoAnalytics.Vision.Gating;

namespace VideoAnalytics.EndToEnd.Tests.Models;

/// <summary>Writes, signs (va models sign) and pushes (va models push) small heads packages.</summary>
internal static class HeadsPackages
{
    public static GateModel Heads(float weight, int weights = 2) => new()
    {
        Rule = "fight",
        Version = "test",
        FeatureNames = [GateFeatures.PairDistanceMin, GateFeatures.SpeedMax],
        Mean = [1, 1], Std = [1, 1],
        Weights = [.. Enumerable.Repeat(weight, weights)],
        Bias = -1, Low = 0.4, High = 0.8,
        WindowSeconds = 2, StrideSeconds = 0.5, AnalysisFps = 5,
    };

    /// <summary>A signed package; <paramref name="heads"/> may be deliberately wrong (it is signed all the same).</summary>
    public static async Task<string> WriteAsync(string root, ModelCloud cloud, string name, string version, GateModel heads)
    {
        var dir = Path.Combine(root, $"{name}-{version}");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, GateHeadsActivator.FileName), heads.ToJson());
        await File.WriteAllTextAsync(Path.Combine(dir, ModelPackageFiles.Manifest),
            $$"""{"schema":"va.model.v1","name":"{{name}}","kind":"heads","version":"{{version}}","files":[]}""");
        Assert.Equal(0, await ModelsCommands.SignAsync(new DirectoryInfo(dir), new FileInfo(cloud.PrivateKeyPath), null, CancellationToken.None));
        return dir;
    }

    public static async Task PushAsync(ModelCloud cloud, string dir, string? scope, int canary = 0)
    {
        using var api = new ModelsApiClient(cloud.BaseUrl, ModelCloud.Token);
        Assert.Equal(0, await ModelsCommands.PushAsync(api, new DirectoryInfo(dir), scope, canary, CancellationToken.None));
    }
}
