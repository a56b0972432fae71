using VideoAnalytics.Admin.Commands;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.EndToEnd.Tests.Models;

/// <summary>Writes, signs (va models sign) and pushes (va models push) small heads packages.</summary>
internal static class HeadsPackages
{
    public static GateHeads Heads(double weight, int weights = 2) => new()
    {
        Features = ["motion", "interaction"],
        Heads = [new GateHead { Name = "fight", Weights = [.. Enumerable.Repeat(weight, weights)], Bias = -1, Low = 0.4, High = 0.8 }],
    };

    /// <summary>A signed package; <paramref name="heads"/> may be deliberately wrong (it is signed all the same).</summary>
    public static async Task<string> WriteAsync(string root, ModelCloud cloud, string name, string version, GateHeads heads)
    {
        var dir = Path.Combine(root, $"{name}-{version}");
        Directory.CreateDirectory(dir);
        await File.WriteAllBytesAsync(Path.Combine(dir, GateHeads.FileName), GateHeads.Serialize(heads));
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
