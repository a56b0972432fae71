using System.Diagnostics;
using System.Security.Cryptography;
using OpenCvSharp;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Edge.Clips;

/// <summary>Who and what a clip is about (everything in the manifest that is not derived from the frames).</summary>
public sealed record ClipRequest(
    string ClipId, string Branch, string Site, string Device, string Camera, string Rule, GateDecision Decision, double Score,
    IReadOnlyDictionary<string, float> Features);

/// <summary>
/// Builds a clip from recorded frames: keyframes as JPEG (with their boxes as metadata), a short browser-playable
/// H.264 MP4 when <c>ffmpeg</c> is installed, all concatenated into one blob described by a <see cref="ClipManifest"/>
/// (offsets, per-file and whole-blob SHA-256, chunk count).
/// </summary>
public sealed class ClipBuilder(double keyframeFps, bool withVideo, TimeSpan ffmpegTimeout)
{
    public const string VideoFileName = "clip.mp4";

    public static bool FfmpegAvailable { get; } = FindOnPath("ffmpeg");

    public async Task<(ClipManifest Manifest, byte[] Blob)> BuildAsync(ClipRequest request, IReadOnlyList<ClipFrame> frames, CancellationToken ct)
    {
        if (frames.Count == 0) throw new ArgumentException("a clip needs at least one frame", nameof(frames));
        var start = frames[0];
        var files = new List<(string Name, string ContentType, byte[] Bytes)>();
        var keyframes = new List<Keyframe>();
        var interval = TimeSpan.FromSeconds(1 / keyframeFps);
        TimeSpan? nextKeyframe = null;
        foreach (var f in frames)
        {
            if (nextKeyframe is { } next && f.Position < next) continue;
            nextKeyframe = f.Position + interval;
            var name = $"kf-{keyframes.Count:D4}.jpg";
            Cv2.ImEncode(".jpg", f.Image, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 85));
            files.Add((name, "image/jpeg", jpeg));
            keyframes.Add(new Keyframe(name, (int)(f.Position - start.Position).TotalMilliseconds, [.. f.Boxes]));
            if (keyframes.Count >= Limits.MaxFilesPerClip - 1) break;
        }
        if (withVideo && FfmpegAvailable && frames.Count >= 2)
        {
            var mp4 = await EncodeMp4Async(frames, ct).ConfigureAwait(false);
            if (mp4 is not null) files.Add((VideoFileName, "video/mp4", mp4));
        }
        return Assemble(request, start, frames[^1], files, keyframes);
    }

    private static (ClipManifest, byte[]) Assemble(ClipRequest r, ClipFrame first, ClipFrame last, List<(string Name, string ContentType, byte[] Bytes)> files, List<Keyframe> keyframes)
    {
        var total = files.Sum(f => (long)f.Bytes.Length);
        if (total > Limits.MaxClipBytes) throw new InvalidOperationException($"clip {r.ClipId} is {total} bytes, over {Limits.MaxClipBytes}");
        var blob = new byte[total];
        var entries = new List<ClipFile>();
        long offset = 0;
        foreach (var f in files)
        {
            f.Bytes.CopyTo(blob, offset);
            entries.Add(new ClipFile(f.Name, f.ContentType, offset, f.Bytes.Length, Convert.ToHexStringLower(SHA256.HashData(f.Bytes))));
            offset += f.Bytes.Length;
        }
        var manifest = new ClipManifest
        {
            ClipId = r.ClipId, Branch = r.Branch, Site = r.Site, Device = r.Device, Camera = r.Camera,
            TimeUtc = DateTimeOffset.UtcNow, StartUtc = first.CapturedUtc, EndUtc = last.CapturedUtc,
            Rule = r.Rule, Decision = r.Decision, Score = Math.Clamp(r.Score, 0, 1),
            FrameWidth = first.Image.Cols, FrameHeight = first.Image.Rows,
            Files = entries, Keyframes = keyframes, Features = r.Features,
            TotalBytes = total, Sha256 = Convert.ToHexStringLower(SHA256.HashData(blob)),
            ChunkSize = Limits.MaxChunkBytes, ChunkCount = (int)((total + Limits.MaxChunkBytes - 1) / Limits.MaxChunkBytes),
        };
        return (manifest, blob);
    }

    /// <summary>Pipes the frames as raw BGR into ffmpeg (libx264, yuv420p, faststart); null when ffmpeg fails.</summary>
    private async Task<byte[]?> EncodeMp4Async(IReadOnlyList<ClipFrame> frames, CancellationToken ct)
    {
        var width = frames[0].Image.Cols;
        var height = frames[0].Image.Rows;
        var seconds = (frames[^1].Position - frames[0].Position).TotalSeconds;
        var fps = seconds > 0 ? Math.Clamp((frames.Count - 1) / seconds, 1, 60) : 5;
        var output = Path.Combine(Path.GetTempPath(), $"va-clip-{Guid.NewGuid():N}.mp4");
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", $"{width}x{height}",
            "-r", fps.ToString("F3", System.Globalization.CultureInfo.InvariantCulture), "-i", "pipe:0",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p", "-movflags", "+faststart", output,
        }) psi.ArgumentList.Add(a);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ffmpegTimeout);
        using var process = Process.Start(psi)!;
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            var stdin = process.StandardInput.BaseStream;
            var row = new byte[width * 3];
            foreach (var f in frames)
            {
                if (f.Image.Cols != width || f.Image.Rows != height) continue;
                await WriteFrameAsync(stdin, f.Image, row, timeout.Token).ConfigureAwait(false);
            }
            stdin.Close();
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            await errors.ConfigureAwait(false);
            return process.ExitCode == 0 && File.Exists(output) ? await File.ReadAllBytesAsync(output, ct).ConfigureAwait(false) : null;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            return null;
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static async Task WriteFrameAsync(Stream stdin, Mat image, byte[] row, CancellationToken ct)
    {
        // Row by row: a Mat may have padding between rows, the pipe must not.
        var rows = image.Rows;
        for (var y = 0; y < rows; y++)
        {
            System.Runtime.InteropServices.Marshal.Copy(image.Ptr(y), row, 0, row.Length);
            await stdin.WriteAsync(row, ct).ConfigureAwait(false);
        }
    }

    private static bool FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(d => File.Exists(Path.Combine(d, program)));

    /// <summary>A new clip id.</summary>
    public static string NewClipId() => ClipIds.New(DateTimeOffset.UtcNow);
}
