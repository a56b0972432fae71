using System.CommandLine;
using System.Text.Json;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Admin.Commands;

/// <summary><c>va models sign|push|list|status|rollback</c>: signed packages and their rollout through the cloud API.</summary>
public static class ModelsCommands
{
    public static Command Build()
    {
        var cloud = new Option<string>("--cloud") { Description = $"Cloud base URL (env {ModelsApiClient.UrlVariable})", DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ModelsApiClient.UrlVariable) ?? "http://localhost:8080" };
        var token = new Option<string?>("--token") { Description = $"Admin API token: one of the cloud's Cloud:Admin:Tokens:<name> (recorded as who acted) or Cloud:Admin:ApiToken (env {ModelsApiClient.TokenVariable})", DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ModelsApiClient.TokenVariable) };

        var signDir = new Argument<DirectoryInfo>("DIR") { Description = "Package folder with manifest.json and its files" };
        var key = new Option<FileInfo>("--key") { Description = "Private key PEM (va keys create)", Required = true };
        var keyId = new Option<string?>("--key-id") { Description = "Key id; default: from the key file name KEYID.private.pem" };
        var sign = new Command("sign", "Hash the package's files into manifest.json and sign it (manifest.sig)") { signDir, key, keyId };
        sign.SetAction((pr, ct) => SignAsync(pr.GetValue(signDir)!, pr.GetValue(key)!, pr.GetValue(keyId), ct));

        var pushDir = new Argument<DirectoryInfo>("DIR") { Description = "Signed package folder" };
        var scope = new Option<string?>("--scope") { Description = "org | branch:<id> | site:<branch>/<site> | camera:<branch>/<site>/<device>/<camera>" };
        var canary = new Option<int>("--canary") { Description = "Percent of the scope's devices that get it first", DefaultValueFactory = _ => 0 };
        var push = new Command("push", "Upload a signed package, then assign it to a scope (omit --scope to only upload)") { pushDir, scope, canary, cloud, token };
        push.SetAction((pr, ct) => WithApi(pr.GetValue(cloud)!, pr.GetValue(token), api => PushAsync(api, pr.GetValue(pushDir)!, pr.GetValue(scope), pr.GetValue(canary), ct)));

        var list = new Command("list", "Registered model versions") { cloud, token };
        list.SetAction((pr, ct) => WithApi(pr.GetValue(cloud)!, pr.GetValue(token), async api => Print(await api.GetAsync("api/models/packages", ct))));

        var statusScope = new Option<string?>("--scope") { Description = "Only this scope" };
        var status = new Command("status", "Per device: desired, running, health; and the rollouts") { statusScope, cloud, token };
        status.SetAction((pr, ct) => WithApi(pr.GetValue(cloud)!, pr.GetValue(token), api => StatusAsync(api, pr.GetValue(statusScope), ct)));

        var rbScope = new Option<string>("--scope") { Description = "Scope to roll back", Required = true };
        var rbKind = new Option<string?>("--kind") { Description = "Only this kind (detector, encoder, heads, pose)" };
        var rollback = new Command("rollback", "Put the scope's devices back on what they ran before the last rollout") { rbScope, rbKind, cloud, token };
        rollback.SetAction((pr, ct) => WithApi(pr.GetValue(cloud)!, pr.GetValue(token),
            async api => Print(await api.PostJsonAsync("api/models/rollback", new { scope = pr.GetValue(rbScope), kind = pr.GetValue(rbKind) }, ct))));

        return new Command("models", "Model packages: sign, push, status, rollback") { sign, push, list, status, rollback };
    }

    public static async Task<int> SignAsync(DirectoryInfo dir, FileInfo keyFile, string? keyId, CancellationToken ct)
    {
        if (!keyFile.Exists) return Cli.Fail($"{keyFile.FullName} does not exist (create one with va keys create --out DIR)");
        try
        {
            using var key = ModelSigningKeys.Load(await File.ReadAllTextAsync(keyFile.FullName, ct), keyFile.Name);
            var id = keyId ?? ModelSigningKeys.KeyIdFromFile(keyFile.FullName, key);
            var m = await ModelPackageSigner.SignAsync(dir.FullName, key, id, DateTimeOffset.UtcNow, ct);
            Console.Out.WriteLine($"signed {m.Name}@{m.Version} ({m.Kind.ToString().ToLowerInvariant()}, {m.Files.Count} files) with key {id}");
            return 0;
        }
        catch (Exception e) when (e is ModelPackageException or ArgumentException or IOException)
        {
            return Cli.Fail(e.Message);
        }
    }

    public static async Task<int> PushAsync(ModelsApiClient api, DirectoryInfo dir, string? scope, int canary, CancellationToken ct)
    {
        var check = await ModelPackageVerifier.VerifyDirectoryAsync(dir.FullName, trusted: null, DateTimeOffset.UtcNow, ct);
        if (!check.IsValid) return Cli.Fail($"{dir.FullName}: {check.ErrorText}");
        var m = check.Manifest!;
        var files = new[] { ModelPackageFiles.Manifest, ModelPackageFiles.Signature }.Concat(m.Files.Select(f => f.Path)).ToList();
        var progress = new UploadProgress(files.Sum(f => new FileInfo(Path.Combine(dir.FullName, f)).Length), Console.Error);
        using var form = new MultipartFormDataContent();
        var streams = new List<Stream>();
        try
        {
            foreach (var f in files)
            {
                var s = new ProgressStream(File.OpenRead(Path.Combine(dir.FullName, f)), progress);
                streams.Add(s);
                form.Add(new StreamContent(s, 1 << 16), "file", f);
            }
            var uploaded = await api.SendAsync(HttpMethod.Post, "api/models/packages", form, ct);
            progress.Finish();
            Console.Out.WriteLine(uploaded.GetProperty("alreadyRegistered").GetBoolean()
                ? $"{m.Name}@{m.Version} was already registered with the same manifest"
                : $"uploaded {m.Name}@{m.Version} (manifest {uploaded.GetProperty("manifestSha256").GetString()![..12]})");
        }
        finally
        {
            foreach (var s in streams) await s.DisposeAsync();
        }
        if (scope is null) return 0;
        var rollout = await api.PostJsonAsync("api/models/assignments", new { scope, name = m.Name, version = m.Version, canaryPercent = canary }, ct);
        Console.Out.WriteLine($"assigned to {scope}: rollout {rollout.GetProperty("rolloutId").GetString()}, {rollout.GetProperty("targeted").GetInt32()} devices, {rollout.GetProperty("canary").GetInt32()} first ({rollout.GetProperty("phase").GetString()})");
        return 0;
    }

    public static async Task<int> StatusAsync(ModelsApiClient api, string? scope, CancellationToken ct)
    {
        var status = await api.GetAsync("api/models/status" + (scope is null ? "" : "?scope=" + Uri.EscapeDataString(scope)), ct);
        foreach (var r in status.GetProperty("rollouts").EnumerateArray())
        {
            Console.Out.WriteLine($"rollout {r.GetProperty("rolloutId").GetString()} {r.GetProperty("kind").GetString()} {r.GetProperty("model").GetString()} over {r.GetProperty("scope").GetString()}: " +
                $"{r.GetProperty("phase").GetString()}, {r.GetProperty("running").GetInt32()}/{r.GetProperty("released").GetInt32()} running, {r.GetProperty("failed").GetInt32()} failed of {r.GetProperty("targeted").GetInt32()}" +
                (r.TryGetProperty("reason", out var why) && why.ValueKind == JsonValueKind.String ? $" — {why.GetString()}" : ""));
        }
        Console.Out.WriteLine($"{"DEVICE",-40} {"DESIRED",-50} {"RUNNING",-50} HEALTH");
        foreach (var d in status.GetProperty("devices").EnumerateArray())
        {
            var desired = string.Join(", ", d.GetProperty("desired").EnumerateArray().Select(x => x.GetString()));
            var running = d.TryGetProperty("running", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : "-";
            var health = d.TryGetProperty("state", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : "no report";
            var error = d.TryGetProperty("lastError", out var e) && e.ValueKind == JsonValueKind.String ? $" ({e.GetString()})" : "";
            Console.Out.WriteLine($"{d.GetProperty("device").GetString(),-40} {desired,-50} {running,-50} {health}{error}");
        }
        return 0;
    }

    public static async Task<int> WithApi(string cloud, string? token, Func<ModelsApiClient, Task<int>> action)
    {
        if (string.IsNullOrEmpty(token)) return Cli.Fail($"no admin token: pass --token or set {ModelsApiClient.TokenVariable} (one of the cloud's Cloud:Admin:Tokens:<name>, or Cloud:Admin:ApiToken)");
        if (!Uri.TryCreate(cloud, UriKind.Absolute, out _)) return Cli.Fail($"--cloud '{cloud}' is not an absolute URL");
        using var api = new ModelsApiClient(cloud, token);
        try
        {
            return await action(api);
        }
        catch (ModelsApiException e)
        {
            return Cli.Fail(e.Message);
        }
        catch (HttpRequestException e)
        {
            return Cli.Fail($"cannot reach {cloud}: {e.Message} (check --cloud / {ModelsApiClient.UrlVariable})");
        }
    }

    internal static int Print(JsonElement json)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(json, ModelsApiClient.Json));
        return 0;
    }
}
