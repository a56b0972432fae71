using VideoAnalytics.Contracts.Transport;
using MQTTnet;
using Microsoft.Extensions.Options;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Topics;

namespace VideoAnalytics.Cloud.Ingest;

/// <summary>Configuration section <c>Cloud:Mqtt</c>: the cloud's broker account.</summary>
public sealed class CloudMqttOptions
{
    /// <summary>
    /// Client options for one of the cloud's MQTT connections (ingest, alerts, models): broker, MQTT 5, credentials,
    /// TLS with the configured CA. Each connection adds its own client id suffix and session settings.
    /// </summary>
    public MqttClientOptionsBuilder ClientOptions(string clientIdSuffix)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(Host, Port)
            .WithClientId($"{ClientId}-{clientIdSuffix}")
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
}

/// <summary>Configuration section <c>Cloud:Ingest</c>.</summary>
public sealed class IngestOptions
{
    public const string Section = "Cloud:Ingest";

    /// <summary>Messages between the MQTT callback and the inbox writers.</summary>
    public int ChannelCapacity { get; set; } = 2000;
    public int Writers { get; set; } = 4;
    public int BatchMaxMessages { get; set; } = 500;
    public int BatchMaxBytes { get; set; } = 16 * 1024 * 1024;
    /// <summary>A clip with no new chunk for this long is marked incomplete and reported.</summary>
    public int ClipTimeoutSeconds { get; set; } = 300;
    /// <summary>How long a claimed work row belongs to one silo before another may take it over.</summary>
    public int LeaseSeconds { get; set; } = 120;
    public int DispatchBatchSize { get; set; } = 64;
    public int DispatchConcurrency { get; set; } = 8;
    public int PollIntervalMilliseconds { get; set; } = 500;
    /// <summary>Rejected messages are summarised in the log once per interval, not once per message.</summary>
    public int RejectionLogIntervalSeconds { get; set; } = 60;
}

internal sealed class CloudMqttOptionsValidator : IValidateOptions<CloudMqttOptions>
{
    public ValidateOptionsResult Validate(string? name, CloudMqttOptions o)
    {
        const string s = CloudMqttOptions.Section;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Host)) errors.Add($"{s}:Host is required");
        if (o.Port is < 1 or > 65535) errors.Add($"{s}:Port {o.Port} is not a TCP port");
        if (o.UseTls && o.CaFile is { Length: > 0 } ca && !File.Exists(ca)) errors.Add($"{s}:CaFile '{ca}' does not exist");
        if (!Slug.IsValid(o.ShareGroup)) errors.Add($"{s}:ShareGroup '{o.ShareGroup}' is not a valid id");
        if (string.IsNullOrWhiteSpace(o.ClientId)) errors.Add($"{s}:ClientId is required (stable per silo)");
        if (o.SessionExpirySeconds < 60) errors.Add($"{s}:SessionExpirySeconds must be at least 60 (the session must outlive a restart)");
        if (o.KeepAliveSeconds is < 5 or > 3600) errors.Add($"{s}:KeepAliveSeconds must be 5-3600");
        if (o.ReceiveMaximum is < 1 or > 65535) errors.Add($"{s}:ReceiveMaximum must be 1-65535");
        if (o.ReconnectMinMilliseconds < 10 || o.ReconnectMaxMilliseconds < o.ReconnectMinMilliseconds)
            errors.Add($"{s}:ReconnectMinMilliseconds must be at least 10 and not above ReconnectMaxMilliseconds");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions o)
    {
        const string s = IngestOptions.Section;
        var errors = new List<string>();
        if (o.ChannelCapacity < 1) errors.Add($"{s}:ChannelCapacity must be positive");
        if (o.Writers is < 1 or > 16) errors.Add($"{s}:Writers must be 1-16");
        if (o.BatchMaxMessages < 1) errors.Add($"{s}:BatchMaxMessages must be positive");
        if (o.BatchMaxBytes < 1024 * 1024) errors.Add($"{s}:BatchMaxBytes must be at least 1 MiB");
        if (o.ClipTimeoutSeconds < 1) errors.Add($"{s}:ClipTimeoutSeconds must be positive");
        if (o.LeaseSeconds < 5) errors.Add($"{s}:LeaseSeconds must be at least 5");
        if (o.DispatchBatchSize < 1) errors.Add($"{s}:DispatchBatchSize must be positive");
        if (o.DispatchConcurrency is < 1 or > 256) errors.Add($"{s}:DispatchConcurrency must be 1-256");
        if (o.PollIntervalMilliseconds < 10) errors.Add($"{s}:PollIntervalMilliseconds must be at least 10");
        if (o.RejectionLogIntervalSeconds < 1) errors.Add($"{s}:RejectionLogIntervalSeconds must be positive");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
