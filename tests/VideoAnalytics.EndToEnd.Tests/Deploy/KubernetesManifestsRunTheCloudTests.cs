using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using VideoAnalytics.Cloud.Hosting;
using VideoAnalytics.EndToEnd.Tests.Transport;
using VideoAnalytics.Testing;
using YamlDotNet.RepresentationModel;
using static VideoAnalytics.EndToEnd.Tests.Deploy.KubernetesManifests;

namespace VideoAnalytics.EndToEnd.Tests.Deploy;

/// <summary>
/// deploy/k8s is not applied to a cluster here, so its settings are run instead: a real va-cloud gets the silo pod's
/// environment (ConfigMap, secrets, downward API) and its mounted files, with only what the cluster provides replaced
/// (broker address, free ports, folders), and must ingest a device's data through the production broker config.
/// </summary>
public sealed class KubernetesManifestsRunTheCloudTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public void The_kustomization_applies_every_manifest_and_the_broker_runs_the_tested_config()
    {
        var k8s = KubernetesManifests.Load();
        var root = Documents(Path.Combine(k8s.Dir, "kustomization.yaml")).Single();
        Assert.Equal(ResourceFiles(k8s.Dir).Select(Path.GetFileName), Sequence(root, "resources").Order(StringComparer.Ordinal));

        // The broker pod runs deploy/mosquitto/mosquitto.conf, which the transport tests run for real.
        var conf = Scalar(Map(k8s.Find("ConfigMap", "mosquitto"), "data"), "mosquitto.conf");
        Assert.Equal(File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "deploy", "mosquitto", "mosquitto.conf")), conf);

        // The image the silo pods run is the one the cloud Dockerfile builds, listening where the pod's port says.
        var container = SiloContainer(k8s);
        var image = Items(root, "images").Single();
        Assert.Equal(Scalar(image, "name"), Scalar(container, "image"));
        var dockerfile = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "deploy", "docker", "cloud.Dockerfile"));
        var http = Items(container, "ports").Single(p => Scalar(p, "name") == "http");
        Assert.Contains($"ASPNETCORE_URLS=http://+:{Scalar(http, "containerPort")}", dockerfile, StringComparison.Ordinal);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"/app/va-cloud.dll\"]", dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_configured_like_the_pod_ingests_a_devices_data_over_the_brokers_tls_listener()
    {
        var k8s = KubernetesManifests.Load();
        await using var rig = await TransportRig.StartAsync();
        var root = TestEnvironment.NewTempDir("va-k8s");
        using var modelKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var secrets = new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["va-cloud"] = new Dictionary<string, string>
            {
                ["Cloud__Postgres__ConnectionString"] = rig.Database.ConnectionString,
                ["Cloud__Mqtt__Password"] = rig.Broker.PasswordOf(SecureBroker.CloudUser),
                ["Cloud__Admin__ApiToken"] = "k8s-test-token-0123456789",
            },
            ["va-mqtt-ca"] = new Dictionary<string, string> { ["ca.crt"] = await File.ReadAllTextAsync(rig.Broker.CaFile) },
            ["va-model-keys"] = new Dictionary<string, string> { ["org.public.pem"] = modelKey.ExportSubjectPublicKeyInfoPem() },
        };
        var container = SiloContainer(k8s);
        var env = PodEnvironment(k8s, container, secrets, new Dictionary<string, string>
        {
            ["status.podIP"] = "127.0.0.1",
            ["metadata.name"] = "va-cloud-0",
        });
        Assert.All(env.Keys.Where(k => k.StartsWith("Cloud__", StringComparison.Ordinal) || k.StartsWith("Console__", StringComparison.Ordinal)), AssertNamesAnOption);

        // What the cluster provides instead: the broker's address, free ports, and folders for the pod's paths.
        foreach (var (key, value) in env.ToList()) env[key] = LocalPath(root, value);
        WriteMountedSecrets(k8s, container, secrets, root);
        env["Cloud__Mqtt__Host"] = rig.Broker.Host;
        env["Cloud__Mqtt__Port"] = rig.Broker.Port.ToString(CultureInfo.InvariantCulture);
        env["Cloud__Cluster__SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        env["Cloud__Cluster__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        var baseUrl = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        using var silo = ChildProcess.StartDotnet(ChildProcess.ProjectDll("cloud/VideoAnalytics.Cloud", "va-cloud"),
            ["--urls", baseUrl.ToString().TrimEnd('/')], env);
        try
        {
            var probe = Map(container, "readinessProbe", "httpGet");
            Assert.True(await silo.WaitForHttpOkAsync(new Uri(baseUrl, Scalar(probe, "path")), Bound), "readiness probe never passed:\n" + silo.Tail());

            var device = rig.StartDevice(clips: 3, tracks: 30);
            Assert.True(await device.WaitForAsync(l => l.Any(x => x.StartsWith("drained", StringComparison.Ordinal)), Bound), "device did not drain: " + device.Tail(40));
            var (clips, tracks) = TransportRig.Spooled(device.Lines);
            var stored = await rig.WaitForAllAsync(clips, tracks, Bound);
            Assert.True(clips.IsSubsetOf(stored.DispatchedClips), $"clips not dispatched: {await rig.DescribeClipsAsync([.. clips])}\n{silo.Tail()}");
            Assert.All(tracks, t => Assert.True(stored.TrackSequences.ContainsKey(t), $"track batch {t} not stored"));
            Assert.Contains(silo.Lines, l => l.Contains("Ingest connected", StringComparison.Ordinal) && l.Contains("va-cloud-0", StringComparison.Ordinal));
        }
        finally
        {
            silo.Kill();
            Directory.Delete(root, recursive: true);
        }
    }

    private static YamlMappingNode SiloPod(KubernetesManifests k8s) => Map(k8s.Find("StatefulSet", "va-cloud"), "spec", "template", "spec");

    private static YamlMappingNode SiloContainer(KubernetesManifests k8s) => Items(SiloPod(k8s), "containers").Single();

    /// <summary>The container's environment as the kubelet builds it: envFrom in order, then env with $(VAR) expanded.</summary>
    private static Dictionary<string, string> PodEnvironment(KubernetesManifests k8s, YamlMappingNode container,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> secrets, IReadOnlyDictionary<string, string> fields)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var from in Items(container, "envFrom"))
        {
            if (from.Children.ContainsKey(new YamlScalarNode("configMapRef")))
            {
                foreach (var (key, value) in Map(k8s.Find("ConfigMap", Scalar(Map(from, "configMapRef"), "name")!), "data").Children)
                    env[((YamlScalarNode)key).Value!] = ((YamlScalarNode)value).Value!;
            }
            else
            {
                foreach (var (key, value) in secrets[Scalar(Map(from, "secretRef"), "name")!]) env[key] = value;
            }
        }
        foreach (var e in Items(container, "env"))
        {
            var name = Scalar(e, "name")!;
            env[name] = Scalar(e, "value") is { } value
                ? Regex.Replace(value, @"\$\(([A-Za-z0-9_]+)\)", m => env.GetValueOrDefault(m.Groups[1].Value, m.Value))
                : fields[Scalar(Map(e, "valueFrom", "fieldRef"), "fieldPath")!];
        }
        return env;
    }

    /// <summary>va-cloud's options classes by the configuration section they bind (their <c>Section</c> constant).</summary>
    private static readonly (Type Type, string[] Path)[] OptionSections = [.. typeof(CloudClusterOptions).Assembly.GetTypes()
        .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
        .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
        .Select(x => (x.Type, ((string)x.Field!.GetRawConstantValue()!).Split(':')))];

    /// <summary>A setting must name a property of the options class bound to its section (a typo is otherwise silently ignored).</summary>
    private static void AssertNamesAnOption(string key)
    {
        var path = key.Split("__");
        var section = OptionSections.Where(s => path.Take(s.Path.Length).SequenceEqual(s.Path, StringComparer.OrdinalIgnoreCase)).MaxBy(s => s.Path.Length);
        Assert.True(section.Type is not null, $"{key}: no options section of va-cloud starts like this");
        var type = section.Type;
        foreach (var segment in path.Skip(section.Path.Length))
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                type = type.GetGenericArguments()[1];
                continue;
            }
            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            Assert.True(property is { CanWrite: true }, $"{key}: {type.Name} has no settable '{segment}'");
            type = property.PropertyType;
        }
    }

    /// <summary>Files the pod gets from secret volumes, written where the pod's mounts put them.</summary>
    private static void WriteMountedSecrets(KubernetesManifests k8s, YamlMappingNode container,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> secrets, string root)
    {
        var volumes = Items(SiloPod(k8s), "volumes").ToDictionary(v => Scalar(v, "name")!);
        foreach (var mount in Items(container, "volumeMounts"))
        {
            var volume = volumes[Scalar(mount, "name")!];
            if (!volume.Children.ContainsKey(new YamlScalarNode("secret"))) continue;
            var dir = Directory.CreateDirectory(LocalPath(root, Scalar(mount, "mountPath")!)).FullName;
            foreach (var (file, content) in secrets[Scalar(Map(volume, "secret"), "secretName")!]) File.WriteAllText(Path.Combine(dir, file), content);
        }
    }

    /// <summary>The pod's absolute paths (/var/lib/va, /etc/va) under a test folder; other values unchanged.</summary>
    private static string LocalPath(string root, string value) =>
        value.StartsWith("/var/lib/va", StringComparison.Ordinal) || value.StartsWith("/etc/va", StringComparison.Ordinal)
            ? Path.Combine(root, value.TrimStart('/'))
            : value;
}
