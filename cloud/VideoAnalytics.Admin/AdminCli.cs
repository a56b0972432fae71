using System.CommandLine;
using VideoAnalytics.Admin.Commands;
using VideoAnalytics.Admin.Users;

namespace VideoAnalytics.Admin;

/// <summary>
/// The <c>va</c> command line. Each area is one command group: <c>va users …</c> (PostgreSQL), <c>va keys …</c> (local
/// files), <c>va models …</c> and <c>va heads …</c> (the cloud's admin API).
/// </summary>
public static class AdminCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("va: administration of VideoAnalytics (console users; models and keys through the cloud API).");
        root.Subcommands.Add(UsersCommands.Create());
        root.Subcommands.Add(KeysCommands.Build());
        root.Subcommands.Add(ModelsCommands.Build());
        root.Subcommands.Add(HeadsCommands.Build());
        return root;
    }
}
