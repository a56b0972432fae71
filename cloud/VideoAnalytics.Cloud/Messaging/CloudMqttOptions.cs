using Microsoft.Extensions.Options;
using MQTTnet;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Topics;
using VideoAnalytics.Contracts.Transport;

namespace VideoAnalytics.Cloud.Messaging;

/// <summary>Configuration section <c>Cloud:Mqtt</c>: the cloud's broker account.</summary>
public sealed class CloudMqttOptions
{
    public const string Section = "Cloud:Mqtt";

    public string Host { get; set; } = "";
    public int Port { get; set; } = 8883;
    public bool UseTls { get; set; } = true;
    /// <summary>PEM file of the CA that signed the broker's certificate.</summary>
    public string? CaFile { get; set; }
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";
    /// <summary>Stable per silo, so the broker keeps its session (and queues for it) across restarts.</summary>
    public string ClientId { get; set; } = $"va-cloud-{Environment.MachineName.ToLowerInvariant()}";
    public int SessionExpirySeconds { get; set; } = 24 * 3600;
    public int KeepAliveSeconds { get; set; } = 30;
    /// <summary>How many unacknowledged messages the broker may send at once (acks wait for the inbox commit).</summary>
    public int ReceiveMaximum { get; set; } = 2000;
    public int ReconnectMinMilliseconds { get; set; } = 250;
    public int ReconnectMaxMilliseconds { get; set; } = 15_000;
    /// <summary>Shared-subscription group the silos join to split the load; one group per cloud deployment.</summary>
    public string ShareGroup { get; set; } = MqttTopics.CloudShareGroup;

    /// <summary><see cref="MqttTopics.CloudSubscriptions"/> in this deployment's share group.</summary>
    public IEnumerable<string> Subscriptions =>
        MqttTopics.CloudSubscriptions.Select(f => f.Replace($"$share/{MqttTopics.CloudShareGroup}/", $"$share/{ShareGroup}/", StringComparison.Ordinal));

    /// <summary>
    /// Client options for one of the cloud's MQTT connections (ingest, alerts, models): broker, MQTT 5, credentials,
    /// TLS with the configured CA. The client id is <see cref="ClientId"/>, with <c>-suffix</c> when
    /// <paramref name="clientIdSuffix"/> is given; each connection adds its own session settings.
    /// </summary>
    public MqttClientOptionsBuilder ClientOptions(string? clientIdSuffix)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(Host, Port)
            .WithClientId(clientIdSuffix is null ? ClientId : $"{ClientId}-{clientIdSuffix}")
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (Username is { Length: > 0 }) builder.WithCredentials(Username, Password);
        if (UseTls)
        {
            var trust = CaFile is { Length: > 0 } ca ? new BrokerTrust(ca) : null;
            builder.WithTlsOptions(t =>
            {
                t.UseTls(true).WithTargetHost(Host);
                if (trust is not null) t.WithCertificateValidationHandler(a => trust.IsTrusted(a.Certificate, a.SslPolicyErrors));
            });
        }
        return builder;
    }
}

internal sealed class CloudMqttOptionsValidator : IValidateOptions<CloudMqttOptions>
{
    public ValidateOptionsResult Validate(string? name, CloudMqttOptions o)
    {
        const string s = CloudMqttOptions.Section;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Host)) errors.Add($"{s}:Host is required");
        if (o.Port is < 1 or > 65535) errors.Add($"{s}:Port {o.Port} is not a TCP port");
        if (o.UseTls && o.CaFile is { Length: > 0 } ca) errors.AddRange(CaFileErrors(ca));
        if (!Slug.IsValid(o.ShareGroup)) errors.Add($"{s}:ShareGroup '{o.ShareGroup}' is not a valid id");
        if (string.IsNullOrWhiteSpace(o.ClientId)) errors.Add($"{s}:ClientId is required (stable per silo)");
        if (o.SessionExpirySeconds < 60) errors.Add($"{s}:SessionExpirySeconds must be at least 60 (the session must outlive a restart)");
        if (o.KeepAliveSeconds is < 5 or > 3600) errors.Add($"{s}:KeepAliveSeconds must be 5-3600");
        if (o.ReceiveMaximum is < 1 or > 65535) errors.Add($"{s}:ReceiveMaximum must be 1-65535");
        if (o.ReconnectMinMilliseconds < 10 || o.ReconnectMaxMilliseconds < o.ReconnectMinMilliseconds)
            errors.Add($"{s}:ReconnectMinMilliseconds must be at least 10 and not above ReconnectMaxMilliseconds");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>A CA file that is missing or holds no certificate stops the start, instead of failing every connect.</summary>
    private static IEnumerable<string> CaFileErrors(string ca)
    {
        if (!File.Exists(ca)) return [$"{CloudMqttOptions.Section}:CaFile '{ca}' does not exist"];
        try
        {
            _ = new BrokerTrust(ca);
            return [];
        }
        catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            return [$"{CloudMqttOptions.Section}:CaFile '{ca}' is not a PEM CA certificate: {e.Message}"];
        }
    }
}
