using System.Text.Json;

namespace VideoAnalytics.Vision.Gating;

/// <summary>One row of a labels CSV: the video's absolute path, its path as written, fight or not, and its source group.</summary>
public sealed record LabelledVideo(string Path, string File, bool Fight, string Group);

/// <summary>
/// Reads a labels CSV with a header: <c>file</c> (relative to the CSV's folder) and <c>label</c> (fight|nofight) are
/// required; <c>source_group</c> groups videos cut from the same footage (without it, each video is its own group);
/// other columns are ignored.
/// </summary>
public static class LabelledVideos
{
    public static IReadOnlyList<LabelledVideo> Read(string csvPath)
    {
        var full = System.IO.Path.GetFullPath(csvPath);
        if (!System.IO.File.Exists(full)) throw new FileNotFoundException($"labels file '{full}' does not exist", full);
        var lines = System.IO.File.ReadAllLines(full);
        if (lines.Length == 0) throw new InvalidDataException($"labels file '{full}' is empty");
        var header = SplitCsv(lines[0]).Select(h => h.Trim().ToLowerInvariant()).ToList();
        var fileCol = header.IndexOf("file");
        var labelCol = header.IndexOf("label");
        var groupCol = header.IndexOf("source_group");
        if (fileCol < 0 || labelCol < 0) throw new InvalidDataException($"labels file '{full}' needs 'file' and 'label' columns, has: {lines[0]}");
        var baseDir = System.IO.Path.GetDirectoryName(full)!;
        var result = new List<LabelledVideo>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var cells = SplitCsv(lines[i]);
            if (cells.Count <= Math.Max(fileCol, labelCol)) throw new InvalidDataException($"labels file '{full}' line {i + 1} has too few columns");
            var file = cells[fileCol].Trim();
            var fight = cells[labelCol].Trim().ToLowerInvariant() switch
            {
                "fight" => true,
                "nofight" => false,
                var other => throw new InvalidDataException($"labels file '{full}' line {i + 1}: label '{other}' is not fight or nofight"),
            };
            var group = groupCol >= 0 && groupCol < cells.Count && cells[groupCol].Trim().Length > 0 ? cells[groupCol].Trim() : file;
            result.Add(new LabelledVideo(System.IO.Path.GetFullPath(file, baseDir), file, fight, group));
        }
        return result;
    }

    private static List<string> SplitCsv(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cell.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells;
    }
}

/// <summary>
/// Per-video feature files, so re-training (other L2, thresholds) does not re-run the detector. A cached file is used
/// only when its key (video size and time, detector, window settings, features) matches.
/// </summary>
public sealed class FeatureCache(string directory)
{
    public sealed record Entry(string Key, VideoFeatures Features);

    public static string KeyFor(LabelledVideo video, string detector, double analysisFps, GateWindowSettings window, IReadOnlyList<string> featureNames)
    {
        var info = new FileInfo(video.Path);
        return string.Join('|', info.Length, info.LastWriteTimeUtc.Ticks, detector, analysisFps, window.WindowSeconds, window.StrideSeconds, window.MinCoverage, window.FlowWidth, string.Join(',', featureNames));
    }

    public VideoFeatures? TryGet(LabelledVideo video, string key)
    {
        var path = PathOf(video);
        if (!System.IO.File.Exists(path)) return null;
        try
        {
            var entry = JsonSerializer.Deserialize(System.IO.File.ReadAllBytes(path), GateJsonContext.Default.Entry);
            return entry?.Key == key ? entry.Features with { Fight = video.Fight, Group = video.Group } : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Put(LabelledVideo video, string key, VideoFeatures features)
    {
        Directory.CreateDirectory(directory);
        var path = PathOf(video);
        var temp = path + ".tmp";
        System.IO.File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(new Entry(key, features), GateJsonContext.Default.Entry));
        System.IO.File.Move(temp, path, overwrite: true);
    }

    private string PathOf(LabelledVideo video) =>
        System.IO.Path.Combine(directory, string.Concat(video.File.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_')) + ".features.json");
}
