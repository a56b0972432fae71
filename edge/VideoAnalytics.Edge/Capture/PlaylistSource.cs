using OpenCvSharp;

namespace VideoAnalytics.Edge.Capture;

/// <summary>
/// Several video files played one after another (a folder in name order, or a playlist file with one path a line),
/// once or in a loop. Positions keep increasing across files, so downstream windows never see time go backwards.
/// </summary>
public sealed class PlaylistSource : IFrameSource
{
    private static readonly string[] VideoExtensions = [".mp4", ".avi", ".mkv", ".mov", ".m4v", ".webm", ".ts"];
    private readonly IReadOnlyList<string> _files;
    private readonly bool _loop;
    private int _index = -1;
    private VideoFileSource? _current;
    private TimeSpan _offset;
    private TimeSpan _lastPosition;

    public PlaylistSource(IReadOnlyList<string> files, bool loop)
    {
        if (files.Count == 0) throw new FrameSourceException("playlist is empty");
        _files = files;
        _loop = loop;
        Description = $"playlist of {files.Count} files";
        OpenNext();
    }

    public string Description { get; }

    public double Fps => _current?.Fps ?? 0;

    /// <summary>Files of a folder (video extensions, name order) or of a playlist file (paths relative to it; '#' comments).</summary>
    public static IReadOnlyList<string> ListFiles(string folderOrPlaylist)
    {
        if (Directory.Exists(folderOrPlaylist))
        {
            return Directory.EnumerateFiles(folderOrPlaylist)
                .Where(f => VideoExtensions.Contains(System.IO.Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).ToList();
        }
        if (!File.Exists(folderOrPlaylist)) throw new FrameSourceException($"playlist not found: {folderOrPlaylist}");
        var baseDir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(folderOrPlaylist))!;
        return File.ReadAllLines(folderOrPlaylist).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => System.IO.Path.GetFullPath(l, baseDir)).ToList();
    }

    public bool TryRead(Mat frame, out TimeSpan position)
    {
        while (_current is not null)
        {
            if (_current.TryRead(frame, out var inFile))
            {
                position = _offset + inFile;
                _lastPosition = position;
                return true;
            }
            OpenNext();
        }
        position = _lastPosition;
        return false;
    }

    private void OpenNext()
    {
        if (_current is not null) _offset = _lastPosition + TimeSpan.FromSeconds(1 / _current.Fps);
        _current?.Dispose();
        _current = null;
        _index++;
        if (_index >= _files.Count)
        {
            if (!_loop) return;
            _index = 0;
        }
        _current = new VideoFileSource(_files[_index]);
    }

    public void Dispose() => _current?.Dispose();
}
