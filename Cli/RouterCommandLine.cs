using System.CommandLine;

namespace TokenRouter.Cli;

internal static class RouterCommandLine
{
    public static RootCommand Create() => new("TokenRouter: one LLM provider account, shared safely by many teams.");
}
