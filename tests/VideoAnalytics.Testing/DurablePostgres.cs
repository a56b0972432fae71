using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace VideoAnalytics.Testing;

/// <summary>
/// A PostgreSQL of one test's own, started like deploy/local/with-services.sh starts the shared one (initdb, pg_ctl, the
/// postgres user when run as root) but with <c>fsync=on</c> and <c>synchronous_commit=on</c>, as in production, so a
/// commit it acknowledged is on disk. <see cref="Kill"/> is kill -9 of the postmaster; <see cref="StartAsync"/> starts it
/// again on the same folder and port (crash recovery replays the WAL). Stopped and deleted on dispose.
/// </summary>
public sealed class DurablePostgres : IAsyncDisposable
{
    private readonly string _dir;

    private DurablePostgres(string dir, int port)
    {
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString =>
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database=postgres;Pooling=true;Timeout=5";

    private string DataDir => Path.Combine(_dir, "pg");

    private static bool AsRoot => Environment.UserName == "root";

    public static async Task<DurablePostgres> CreateAsync()
    {
        var pg = new DurablePostgres(TestEnvironment.NewTempDir("va-durable-pg"), FreePort.Next());
        Directory.CreateDirectory(pg.DataDir);
        if (AsRoot) await RunAsync("chown", "-R", "postgres:postgres", pg._dir);
        await RunAsync(AsPostgres(Bin("initdb"), "-D", pg.DataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"));
        await pg.StartAsync();
        return pg;
    }

    /// <summary>Starts (again) and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        var options = $"-p {Port.ToString(CultureInfo.InvariantCulture)} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c full_page_writes=on";
        // Right after a kill -9 the old backends may still hold the shared memory for a moment: try again then.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await RunAsync(AsPostgres(Bin("pg_ctl"), "-D", DataDir, "-l", Path.Combine(_dir, "postgres.log"), "-w", "-t", "60", "-o", options, "start"));
                return;
            }
            catch (InvalidOperationException) when (attempt < 20)
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>kill -9 of the postmaster: no shutdown checkpoint; its backends end when they see it gone.</summary>
    public void Kill()
    {
        var pid = int.Parse(File.ReadLines(Path.Combine(DataDir, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        using var postmaster = Process.GetProcessById(pid);
        postmaster.Kill();
        postmaster.WaitForExit(10_000);
        NpgsqlConnection.ClearAllPools();
    }

    public async Task<string> SettingAsync(string name)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SHOW {name}", conn);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunAsync(AsPostgres(Bin("pg_ctl"), "-D", DataDir, "-m", "immediate", "stop"));
        }
        catch (InvalidOperationException)
        {
            // Not running (a test killed it and failed before starting it again).
        }
        Directory.Delete(_dir, recursive: true);
    }

    private static string Bin(string tool) =>
        Directory.GetDirectories("/usr/lib/postgresql").OrderBy(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
            .Select(d => Path.Combine(d, "bin", tool)).LastOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"PostgreSQL's {tool} is not installed (apt-get install postgresql)");

    private static string[] AsPostgres(params string[] command) => AsRoot ? ["runuser", "-u", "postgres", "--", .. command] : command;

    private static async Task RunAsync(params string[] command)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', command)} failed ({p.ExitCode}): {await stderr}{await stdout}");
    }
}
