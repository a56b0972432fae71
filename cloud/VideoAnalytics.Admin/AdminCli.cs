using System.CommandLine;
using VideoAnalytics.Admin.Users;

namespace VideoAnalytics.Admin;

/// <summary>
/// The <c>va</c> command line. Each area is one command group (<c>va users …</c>); groups that talk to the cloud's
/// HTTP API (models, keys) are added here beside it.
/// </summary>
public static class AdminCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("va: administration of VideoAnalytics (console users; models and keys through the cloud API).");
        root.Subcommands.Add(UsersCommands.Create());
        return root;
    }
}
