using System.Diagnostics;
using VideoAnalytics.Testing;

namespace VideoAnalytics.Cloud.Tests.Console.Support;

/// <summary>Real JPEG keyframes: a few frames of the pedestrian clip, cut once per test run with Debian's ffmpeg.</summary>
internal static class TestKeyframes
{
    public const int Width = 480;
    public const int Height = 360;
    private static readonly Lazy<Task<IReadOnlyList<byte[]>>> Frames = new(ExtractAsync);

    public static Task<IReadOnlyList<byte[]>> GetAsync() => Frames.Value;

    private static async Task<IReadOnlyList<byte[]>> ExtractAsync()
    {
        var dir = TestEnvironment.NewTempDir("va-console-keyframes");
        try
        {
            var psi = new ProcessStartInfo("ffmpeg")
            {
                ArgumentList = { "-v", "error", "-i", TestEnvironment.PedestrianVideo, "-vf", "fps=4", "-frames:v", "6", "-q:v", "5",
                    Path.Combine(dir, "%02d.jpg") },
                RedirectStandardError = true,
            };
            using var ffmpeg = Process.Start(psi)!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var errors = await ffmpeg.StandardError.ReadToEndAsync(timeout.Token);
            await ffmpeg.WaitForExitAsync(timeout.Token);
            if (ffmpeg.ExitCode != 0) throw new InvalidOperationException($"ffmpeg failed: {errors}");
            return [.. Directory.GetFiles(dir, "*.jpg").Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
