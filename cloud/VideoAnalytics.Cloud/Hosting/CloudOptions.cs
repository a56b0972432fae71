using System.ComponentModel.DataAnnotations;

namespace VideoAnalytics.Cloud.Hosting;

/// <summary><c>Cloud:Postgres</c>: the database that holds the inbox, cluster membership, grain state and alerts.</summary>
public sealed class PostgresOptions
{
    public const string Section = "Cloud:Postgres";

    [Required(ErrorMessage = "Cloud:Postgres:ConnectionString is required (an Npgsql connection string).")]
    public string ConnectionString { get; set; } = "";
}

/// <summary><c>Cloud:Cluster</c>: Orleans identity, endpoints and membership timing.</summary>
public sealed class CloudClusterOptions
{
    public const string Section = "Cloud:Cluster";

    [Required, RegularExpression("^[a-z0-9-]{1,64}$", ErrorMessage = "Cloud:Cluster:ClusterId must be 1-64 characters of a-z, 0-9 and '-'.")]
    public string ClusterId { get; set; } = "va";

    [Required, RegularExpression("^[a-z0-9-]{1,64}$", ErrorMessage = "Cloud:Cluster:ServiceId must be 1-64 characters of a-z, 0-9 and '-'.")]
    public string ServiceId { get; set; } = "va-cloud";

    /// <summary>Name shown in membership; defaults to host name and silo port.</summary>
    public string? SiloName { get; set; }

    /// <summary>Silo-to-silo port; 0 picks a free port at start-up.</summary>
    [Range(0, 65535, ErrorMessage = "Cloud:Cluster:SiloPort must be 0-65535.")]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port; 0 picks a free port at start-up.</summary>
    [Range(0, 65535, ErrorMessage = "Cloud:Cluster:GatewayPort must be 0-65535.")]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Address other silos reach this one on; empty = first non-loopback IPv4, else loopback.</summary>
    public string? AdvertisedIPAddress { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Cloud:Cluster:ProbeTimeout must be 0.1 s to 10 min.")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    [Range(1, 10, ErrorMessage = "Cloud:Cluster:NumMissedProbesLimit must be 1-10.")]
    public int NumMissedProbesLimit { get; set; } = 3;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Cloud:Cluster:IAmAliveTablePublishTimeout must be 1 s to 1 h.")]
    public TimeSpan IAmAliveTablePublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:10", "30.00:00:00", ErrorMessage = "Cloud:Cluster:DefunctSiloExpiration must be 10 s to 30 days.")]
    public TimeSpan DefunctSiloExpiration { get; set; } = TimeSpan.FromHours(1);
}

/// <summary><c>Cloud:Mqtt</c>: the broker (shared with ingest). Empty host: alerts are not published to MQTT.</summary>
public sealed class CloudMqttOptions
{
    public const string Section = "Cloud:Mqtt";

    public string? Host { get; set; }

    [Range(1, 65535, ErrorMessage = "Cloud:Mqtt:Port must be 1-65535.")]
    public int Port { get; set; } = 1883;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public bool UseTls { get; set; }

    [Required, RegularExpression("^[A-Za-z0-9_-]{1,40}$", ErrorMessage = "Cloud:Mqtt:ClientIdPrefix must be 1-40 characters of A-Z, a-z, 0-9, '_' and '-'.")]
    public string ClientIdPrefix { get; set; } = "va-cloud";
}

/// <summary><c>Cloud:Logging</c>: Serilog console always, plus an optional JSON file.</summary>
public sealed class CloudLoggingOptions
{
    public const string Section = "Cloud:Logging";

    /// <summary>Path of a compact-JSON log file (rolled daily); empty = console only.</summary>
    public string? JsonFile { get; set; }

    public string MinimumLevel { get; set; } = "Information";
}
