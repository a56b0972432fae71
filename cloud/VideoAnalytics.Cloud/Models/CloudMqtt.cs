using MQTTnet;
using VideoAnalytics.Cloud.Hosting;

namespace VideoAnalytics.Cloud.Models;

/// <summary>The registry's MQTT connections use the cloud's broker settings (<c>Cloud:Mqtt</c>).</summary>
internal static class CloudMqtt
{
    public static MqttClientOptionsBuilder Builder(CloudMqttOptions o)
    {
        var b = new MqttClientOptionsBuilder().WithTcpServer(o.Host ?? throw new InvalidOperationException("Cloud:Mqtt:Host is required by the model registry (it publishes models/desired)"), o.Port);
        if (o.Username is not null) b.WithCredentials(o.Username, o.Password);
        if (o.UseTls) b.WithTlsOptions(t => t.UseTls());
        return b;
    }
}
