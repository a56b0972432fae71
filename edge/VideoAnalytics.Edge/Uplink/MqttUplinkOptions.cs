using Microsoft.Extensions.Options;
using VideoAnalytics.Contracts.Identity;

namespace VideoAnalytics.Edge.Uplink;

/// <summary>Configuration section <c>Edge:Mqtt</c>: how this device reaches the broker, and who it is.</summary>
public sealed class MqttUplinkOptions
{
    public const string Section = "Edge:Mqtt";

    public string Host { get; set; } = "";
    public int Port { get; set; } = 8883;
    public bool UseTls { get; set; } = true;
    /// <summary>PEM file of the CA that signed the broker's certificate.</summary>
    public string? CaFile { get; set; }
    /// <summary>Optional client certificate (PEM) and its key, for brokers that require them.</summary>
    public string? ClientCertificateFile { get; set; }
    public string? ClientKeyFile { get; set; }
    /// <summary>Per-device account; by convention <c>branch/site/device</c> (see deploy/mosquitto/add-device.sh).</summary>
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";
    /// <summary>This device: <c>branch/site/device</c>.</summary>
    public string DeviceId { get; set; } = "";
    /// <summary>Stable client id so the broker keeps the session; defaults to <c>va-edge-{branch}-{site}-{device}</c>.</summary>
    public string? ClientId { get; set; }
    public int SessionExpirySeconds { get; set; } = 7 * 24 * 3600;
    public int KeepAliveSeconds { get; set; } = 30;
    public int StatusIntervalSeconds { get; set; } = 60;
    /// <summary>Publishes awaiting PUBACK at once (the broker's receive maximum caps it too).</summary>
    public int MaxInflight { get; set; } = 32;
    public int ReconnectMinMilliseconds { get; set; } = 500;
    public int ReconnectMaxMilliseconds { get; set; } = 30_000;

    public DeviceId Device => Contracts.Identity.DeviceId.TryParse(DeviceId, out var d)
        ? d
        : throw new InvalidOperationException($"{Section}:DeviceId '{DeviceId}' is not branch/site/device");

    public string EffectiveClientId => ClientId is { Length: > 0 } c ? c : $"va-edge-{Device.Branch}-{Device.Site}-{Device.Device}";
}

internal sealed class MqttUplinkOptionsValidator : IValidateOptions<MqttUplinkOptions>
{
    public ValidateOptionsResult Validate(string? name, MqttUplinkOptions o)
    {
        const string s = MqttUplinkOptions.Section;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Host)) errors.Add($"{s}:Host is required");
        if (o.Port is < 1 or > 65535) errors.Add($"{s}:Port {o.Port} is not a TCP port");
        if (!Contracts.Identity.DeviceId.TryParse(o.DeviceId, out _)) errors.Add($"{s}:DeviceId '{o.DeviceId}' is not branch/site/device (ids of a-z, 0-9, '-')");
        if (string.IsNullOrEmpty(o.Username)) errors.Add($"{s}:Username is required (per-device account)");
        if (o.UseTls && o.CaFile is { Length: > 0 } ca && !File.Exists(ca)) errors.Add($"{s}:CaFile '{ca}' does not exist");
        if (o.ClientCertificateFile is { Length: > 0 } cert && !File.Exists(cert)) errors.Add($"{s}:ClientCertificateFile '{cert}' does not exist");
        if (o.ClientCertificateFile is { Length: > 0 } && o.ClientKeyFile is not { Length: > 0 }) errors.Add($"{s}:ClientKeyFile is required with ClientCertificateFile");
        if (o.SessionExpirySeconds < 60) errors.Add($"{s}:SessionExpirySeconds must be at least 60 (the session must outlive a reconnect)");
        if (o.KeepAliveSeconds is < 5 or > 3600) errors.Add($"{s}:KeepAliveSeconds must be 5-3600");
        if (o.StatusIntervalSeconds < 1) errors.Add($"{s}:StatusIntervalSeconds must be positive");
        if (o.MaxInflight is < 1 or > 1000) errors.Add($"{s}:MaxInflight must be 1-1000");
        if (o.ReconnectMinMilliseconds < 10 || o.ReconnectMaxMilliseconds < o.ReconnectMinMilliseconds)
            errors.Add($"{s}:ReconnectMinMilliseconds must be at least 10 and not above ReconnectMaxMilliseconds");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
