using System.Runtime.InteropServices;

namespace VideoAnalytics.Edge.Spool;

/// <summary>
/// Writes files so that after a crash or power loss each is either absent or complete: write to a temp name, fsync,
/// rename into place, fsync the directory (so the rename itself is on disk).
/// </summary>
internal static partial class DurableFile
{
    public const string TempSuffix = ".tmp";

    public static async Task WriteAsync(string path, Func<FileStream, CancellationToken, ValueTask> write, CancellationToken ct)
    {
        var temp = path + TempSuffix;
        await using (var fs = new FileStream(temp, new FileStreamOptions
                     {
                         Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0,
                         Options = FileOptions.Asynchronous,
                     }))
        {
            await write(fs, ct);
            fs.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>Makes renames and deletions in <paramref name="directory"/> durable (a no-op where the OS cannot).</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"cannot open directory '{directory}' to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
