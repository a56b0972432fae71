using System.CommandLine;

namespace VideoAnalytics.Edge.Hosting.Commands;

/// <summary>The <c>va-edge</c> command line: run (the agent), train-gate, analyze.</summary>
public static class EdgeCommands
{
    public static RootCommand Create()
    {
        var config = new Option<string?>("--config") { Description = "extra JSON configuration file (over appsettings.json)", Recursive = true };
        var root = new RootCommand("VideoAnalytics edge agent") { config };
        root.Subcommands.Add(RunCommand.Create(config));
        root.Subcommands.Add(TrainGateCommand.Create(config));
        root.Subcommands.Add(AnalyzeCommand.Create(config));
        return root;
    }

    /// <summary>Runs a command; bad input (paths, files, models, arguments) ends it with one line on stderr, not a stack trace.</summary>
    public static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or Capture.FrameSourceException
            or Vision.Onnx.ModelLoadException or ArgumentException or InvalidOperationException or IOException)
        {
            Console.Error.WriteLine($"va-edge: {e.Message}");
            return 1;
        }
    }
}
