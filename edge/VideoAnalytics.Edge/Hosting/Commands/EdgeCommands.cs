using System.CommandLine;

namespace VideoAnalytics.Edge.Hosting.Commands;

/// <summary>The <c>va-edge</c> command line: run (the agent), train-gate, analyze.</summary>
public static class EdgeCommands
{
    public static RootCommand Create()
    {
        var config = new Option<string?>("--config") { Description = "extra JSON configuration file (over appsettings.json)", Recursive = true };
        var root = new RootCommand("VideoAnalytics edge agent") { config };
        root.Subcommands.Add(TrainGateCommand.Create(config));
        root.Subcommands.Add(AnalyzeCommand.Create(config));
        return root;
    }
}
