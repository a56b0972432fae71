using System.CommandLine;
using System.Text.Json;

namespace VideoAnalytics.Admin.Commands;

/// <summary><c>va heads train --branch &lt;id&gt;</c>: fit a branch's gate heads from its labels; rolled out only if better.</summary>
public static class HeadsCommands
{
    public static Command Build()
    {
        var cloud = new Option<string>("--cloud") { Description = $"Cloud base URL (env {ModelsApiClient.UrlVariable})", DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ModelsApiClient.UrlVariable) ?? "http://localhost:8080" };
        var token = new Option<string?>("--token") { Description = $"Admin API token (env {ModelsApiClient.TokenVariable})", DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ModelsApiClient.TokenVariable) };
        var branch = new Option<string>("--branch") { Description = "Branch id", Required = true };
        var rule = new Option<string>("--rule") { Description = "Rule the heads decide", DefaultValueFactory = _ => "fight" };
        var train = new Command("train", "Train the branch's gate heads from staff decisions and confident judge verdicts; roll them out to the branch if they beat the current heads on held-out cameras") { branch, rule, cloud, token };
        train.SetAction((pr, ct) => ModelsCommands.WithApi(pr.GetValue(cloud)!, pr.GetValue(token), api => TrainAsync(api, pr.GetValue(branch)!, pr.GetValue(rule)!, ct)));
        return new Command("heads", "Per-branch gate heads") { train };
    }

    public static async Task<int> TrainAsync(ModelsApiClient api, string branch, string rule, CancellationToken ct)
    {
        var r = await api.PostJsonAsync("api/models/heads/train", new { branch, rule }, ct);
        Console.Out.WriteLine($"branch {branch}, rule {rule}: {r.GetProperty("labels").GetInt32()} labels ({r.GetProperty("staffLabels").GetInt32()} staff, {r.GetProperty("judgeLabels").GetInt32()} judge), {r.GetProperty("heldOut").GetInt32()} held out");
        if (r.TryGetProperty("candidateLogLoss", out var c) && c.ValueKind == JsonValueKind.Number)
            Console.Out.WriteLine($"held-out log-loss: candidate {c.GetDouble():0.000}, current {r.GetProperty("currentLogLoss").GetDouble():0.000} ({(r.TryGetProperty("currentHeads", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : "no heads: base rate")})");
        Console.Out.WriteLine(r.GetProperty("rolledOut").GetBoolean()
            ? $"rolled out {r.GetProperty("model").GetString()} (rollout {r.GetProperty("rolloutId").GetString()}): {r.GetProperty("reason").GetString()}"
            : $"not rolled out: {r.GetProperty("reason").GetString()}");
        return 0;
    }
}
