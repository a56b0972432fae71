namespace VideoAnalytics.Testing;

/// <summary>
/// Where the tests find the real parts: the team's reference material in <c>../shared</c> (beside the repo) and the
/// private PostgreSQL and Mosquitto started by <c>deploy/local/with-services.sh</c>.
/// </summary>
public static class TestEnvironment
{
    private static readonly Lazy<string> RepoRootLazy = new(FindRepoRoot);

    public static string RepoRoot => RepoRootLazy.Value;

    /// <summary><c>../shared</c> resolved from the repo root (override with VA_SHARED_DIR).</summary>
    public static string SharedDir =>
        Environment.GetEnvironmentVariable("VA_SHARED_DIR") is { Length: > 0 } d ? d : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string Models(params string[] parts) => Path.Combine([SharedDir, "models", .. parts]);

    public static string Videos(params string[] parts) => Path.Combine([SharedDir, "data", "videos", .. parts]);

    public static string FightLabelsCsv => Videos("fight_labels.csv");

    public static string YoloxNano => Models("yolox_nano", "yolox_nano.onnx");

    public static string PedestrianVideo => Videos("pedestrian", "vtest_pets_480x360.avi");

    public static string PostgresConnectionString => Require("VA_TEST_POSTGRES");

    public static string MqttHost => Require("VA_TEST_MQTT_HOST");

    public static int MqttPort => int.Parse(Require("VA_TEST_MQTT_PORT"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A fresh folder under the system temp dir, removed by the caller (or left for inspection on failure).</summary>
    public static string NewTempDir(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } v
            ? v
            : throw new InvalidOperationException($"{name} is not set: run the tests through deploy/local/test.sh (or deploy/local/with-services.sh dotnet test).");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VideoAnalytics.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("VideoAnalytics.sln not found above " + AppContext.BaseDirectory);
    }
}
