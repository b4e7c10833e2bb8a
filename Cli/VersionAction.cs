using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace TokenRouter.Cli;

/// <summary>
/// Prints TokenRouter's own version. The built-in action prints the entry assembly's, which is
/// a test host's version when the command line runs inside tests.
/// </summary>
internal sealed class VersionAction : SynchronousCommandLineAction
{
    public static string Version { get; } =
        typeof(VersionAction).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(VersionAction).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(Version);
        return ExitCodes.Success;
    }
}
