namespace TokenRouter.Cli;

/// <summary>A command failed in a way the user can act on: printed as one line, never with a stack trace.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
