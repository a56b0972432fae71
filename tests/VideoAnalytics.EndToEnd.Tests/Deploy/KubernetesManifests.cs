using YamlDotNet.RepresentationModel;

namespace VideoAnalytics.EndToEnd.Tests.Deploy;

/// <summary>The documents of <c>deploy/k8s/*.yaml</c>, found by kind and name.</summary>
internal sealed class KubernetesManifests
{
    private readonly List<YamlMappingNode> _documents = [];

    private KubernetesManifests(string dir)
    {
        Dir = dir;
        foreach (var file in ResourceFiles(dir)) _documents.AddRange(Documents(file));
    }

    /// <summary>The documents of one YAML file (several, separated by ---).</summary>
    public static IEnumerable<YamlMappingNode> Documents(string file)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(file)) stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode);
    }

    public string Dir { get; }

    public static KubernetesManifests Load() => new(Path.Combine(Testing.TestEnvironment.RepoRoot, "deploy", "k8s"));

    /// <summary>Every manifest file of the folder (the kustomization itself excluded).</summary>
    public static IEnumerable<string> ResourceFiles(string dir) =>
        Directory.GetFiles(dir, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml").Order(StringComparer.Ordinal);

    public YamlMappingNode Find(string kind, string name) =>
        _documents.SingleOrDefault(d => Scalar(d, "kind") == kind && Scalar(Map(d, "metadata"), "name") == name)
        ?? throw new KeyNotFoundException($"no {kind} named {name} in {Dir}");

    public static YamlMappingNode Map(YamlMappingNode node, params string[] path)
    {
        foreach (var key in path) node = (YamlMappingNode)node.Children[new YamlScalarNode(key)];
        return node;
    }

    public static IEnumerable<YamlMappingNode> Items(YamlMappingNode node, string key) => Nodes(node, key).Cast<YamlMappingNode>();

    public static IEnumerable<string> Sequence(YamlMappingNode node, string key) => Nodes(node, key).Select(n => ((YamlScalarNode)n).Value!);

    public static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static IEnumerable<YamlNode> Nodes(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var list) ? ((YamlSequenceNode)list).Children : [];
}
