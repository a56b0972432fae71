using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Formatter;
using VideoAnalytics.Contracts.Transport;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Transport;

/// <summary>
/// A private Mosquitto running the production config (deploy/mosquitto/mosquitto.conf, acl) on a free port, with a
/// test CA and server certificate from make-certs.sh and accounts from add-device.sh. Can be killed (-9) and restarted
/// on the same port; killed and deleted on dispose.
/// </summary>
public sealed class SecureBroker : IAsyncDisposable
{
    public const string CloudUser = "va-cloud";
    private readonly Dictionary<string, string> _passwords = [];
    private readonly string _config;
    private Process? _process;

    private SecureBroker(string dir, int port)
    {
        Dir = dir;
        Port = port;
        _config = Path.Combine(dir, "mosquitto.conf");
    }

    public string Dir { get; }
    public int Port { get; }
    public string CaFile => Path.Combine(Dir, "certs", "ca.crt");
    public string Host => "127.0.0.1";

    public string PasswordOf(string user) => _passwords[user];

    public static async Task<SecureBroker> StartAsync(params string[] devices)
    {
        var dir = TestEnvironment.NewTempDir("va-broker");
        var broker = new SecureBroker(dir, VideoAnalytics.Testing.FreePort.Next());
        var deploy = Path.Combine(TestEnvironment.RepoRoot, "deploy", "mosquitto");
        await RunAsync("bash", Path.Combine(deploy, "make-certs.sh"), Path.Combine(dir, "certs"), "localhost");
        File.Copy(Path.Combine(deploy, "acl"), Path.Combine(dir, "acl"));
        foreach (var user in devices.Prepend(CloudUser))
        {
            var password = $"pw-{Guid.NewGuid():N}";
            if (user == CloudUser) await RunAsync("bash", Path.Combine(deploy, "add-device.sh"), "--cloud", user, password);
            else await RunAsync("bash", Path.Combine(deploy, "add-device.sh"), user, password);
            broker._passwords[user] = password;
        }
        Directory.CreateDirectory(Path.Combine(dir, "data"));
        var conf = (await File.ReadAllTextAsync(Path.Combine(deploy, "mosquitto.conf")))
            .Replace("/etc/mosquitto/va", dir, StringComparison.Ordinal)
            .Replace("/var/lib/mosquitto/", Path.Combine(dir, "data") + "/", StringComparison.Ordinal)
            .Replace("listener 8883", $"listener {broker.Port} 127.0.0.1", StringComparison.Ordinal);
        await File.WriteAllTextAsync(broker._config, conf);
        // Run as root, mosquitto drops to its own user, which must read the certs and accounts.
        if (Environment.UserName == "root") await RunAsync("chown", "-R", "mosquitto", dir);
        await broker.RestartAsync();
        return broker;

        async Task RunAsync(string file, params string[] args)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["VA_MOSQUITTO_DIR"] = dir;
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            await p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {await stderr}");
        }
    }

    /// <summary>MQTT 5 over TLS to this broker, trusting its test CA; no credentials when <paramref name="user"/> is null.</summary>
    public MqttClientOptions ClientOptions(string? user, string? password)
    {
        var trust = new BrokerTrust(CaFile);
        var builder = new MqttClientOptionsBuilder().WithTcpServer(Host, Port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId($"test-{Guid.NewGuid():N}").WithTimeout(TimeSpan.FromSeconds(10))
            .WithTlsOptions(t => t.UseTls().WithTargetHost(Host).WithCertificateValidationHandler(a => trust.IsTrusted(a.Certificate, a.SslPolicyErrors)));
        if (user is not null) builder.WithCredentials(user, password);
        return builder.Build();
    }

    /// <summary>A client connected as <paramref name="user"/> with its own password; throws when the broker refuses.</summary>
    public async Task<IMqttClient> ConnectAsync(string user, string? password = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(ClientOptions(user, password ?? PasswordOf(user)));
        if (result.ResultCode == MqttClientConnectResultCode.Success) return client;
        client.Dispose();
        throw new InvalidOperationException($"{user} refused: {result.ResultCode}");
    }

    /// <summary>Starts (or starts again, after <see cref="Kill"/>) on the same port and waits until it listens.</summary>
    public async Task RestartAsync()
    {
        var mosquitto = File.Exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";
        var psi = new ProcessStartInfo(mosquitto) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(_config);
        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"mosquitto exited with {_process.ExitCode} (config {_config})");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException($"mosquitto did not listen on {Port}");
    }

    /// <summary>kill -9: the broker loses whatever it had not saved.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit(10_000);
        }
        _process?.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // Left for inspection; it lives under the temp folder.
        }
        return ValueTask.CompletedTask;
    }
}
