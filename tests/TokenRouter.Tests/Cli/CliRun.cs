using TokenRouter.Cli;
using TokenRouter.Tests.Config;

namespace TokenRouter.Tests.Cli;

/// <summary>Runs the command line in-process with captured output and a private environment.</summary>
internal static class CliRun
{
    public static async Task<CliResult> RunAsync(
        string[] args,
        Dictionary<string, string>? environment = null,
        FakePromptConsole? console = null,
        CancellationToken cancellationToken = default,
        Action<WebApplicationBuilder>? configureServer = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        environment ??= [];
        var context = new CliContext(
            output, error, console ?? new FakePromptConsole(interactive: false), key => environment.GetValueOrDefault(key))
        {
            ConfigureServer = configureServer,
        };
        var exitCode = await RouterCommandLine.RunAsync(args, context, cancellationToken);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}

internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
