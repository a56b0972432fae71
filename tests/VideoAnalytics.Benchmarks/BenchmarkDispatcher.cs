using System.Reflection;

namespace VideoAnalytics.Benchmarks;

/// <summary>One benchmark subcommand. Add a class implementing this in its own file; the dispatcher finds it.</summary>
internal interface IBenchmark
{
    string Name { get; }

    string Usage { get; }

    Task<int> RunAsync(BenchmarkArgs args, CancellationToken ct);
}

/// <summary><c>--key value</c> pairs and bare flags after the subcommand name.</summary>
internal sealed class BenchmarkArgs
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public BenchmarkArgs(IEnumerable<string> args)
    {
        Raw = args.ToArray();
        string? key = null;
        foreach (var a in Raw)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (key is not null) _values[key] = null;
                key = a[2..];
            }
            else if (key is not null)
            {
                _values[key] = a;
                key = null;
            }
            else throw new ArgumentException($"unexpected argument '{a}'");
        }
        if (key is not null) _values[key] = null;
    }

    /// <summary>The arguments as given, for benchmarks with their own parser.</summary>
    public IReadOnlyList<string> Raw { get; }

    public string? Get(string key) => _values.TryGetValue(key, out var v) ? v : null;

    public string Require(string key) => Get(key) ?? throw new ArgumentException($"--{key} is required");

    public bool Has(string key) => _values.ContainsKey(key);

    public double GetDouble(string key, double fallback) =>
        Get(key) is { } v ? double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public int GetInt(string key, int fallback) =>
        Get(key) is { } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
}

/// <summary>Runs <c>Benchmarks &lt;name&gt; [--options]</c> for every <see cref="IBenchmark"/> in this assembly.</summary>
internal static class BenchmarkDispatcher
{
    public static async Task<int> RunAsync(string[] args)
    {
        var benchmarks = typeof(BenchmarkDispatcher).Assembly.GetTypes()
            .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name, StringComparer.Ordinal).ToList();
        var chosen = args.Length > 0 ? benchmarks.FirstOrDefault(b => b.Name == args[0]) : null;
        if (chosen is null)
        {
            Console.Error.WriteLine("usage: Benchmarks <benchmark> [options]");
            foreach (var b in benchmarks) Console.Error.WriteLine($"  {b.Name,-10} {b.Usage}");
            return 2;
        }
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
        try
        {
            return await chosen.RunAsync(new BenchmarkArgs(args.Skip(1)), cts.Token);
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or InvalidDataException or InvalidOperationException or IOException
            or TargetInvocationException)
        {
            Console.Error.WriteLine($"{chosen.Name}: {e.Message}");
            return 1;
        }
    }
}
