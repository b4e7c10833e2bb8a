using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using TokenRouter.Config;

namespace TokenRouter.Cli;

/// <summary>
/// The <c>tokenrouter</c> command line: <c>serve</c> (the default), <c>team ...</c> and
/// <c>backup</c>. Every failure the user can fix ends as one line on standard error:
/// exit 2 for a wrong command line or setting, 1 for a command that ran and failed.
/// </summary>
internal static class RouterCommandLine
{
    public static RootCommand Create(CliContext context)
    {
        var root = new RootCommand("TokenRouter: one LLM provider account, shared safely by many teams.");

        // --help already works on every command; make --version work on every command too.
        foreach (var version in root.Options.OfType<VersionOption>())
        {
            version.Recursive = true;
            version.Action = new VersionAction();
        }

        ServeCommand.Configure(root, context);
        root.Add(ServeCommand.Create(context));
        root.Add(TeamCommand.Create(context));
        root.Add(BackupCommand.Create(context));
        return root;
    }

    public static async Task<int> RunAsync(
        string[] args, CliContext? context = null, CancellationToken cancellationToken = default)
    {
        context ??= CliContext.FromSystem();
        var parse = Create(context).Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                context.Error.WriteLine($"error: {error.Message}");
            }

            context.Error.WriteLine($"See '{CommandPath(parse)} --help'.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = context.Out,
            Error = context.Error,
            EnableDefaultExceptionHandler = false,

            // No Ctrl+C handling here: the server's host stops gracefully on it, and the
            // short commands may simply end.
            ProcessTerminationTimeout = null,
        };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken);
        }
        catch (SettingsException e)
        {
            foreach (var problem in e.Problems)
            {
                context.Error.WriteLine($"error: {problem}");
            }

            return ExitCodes.Usage;
        }
        catch (CliException e)
        {
            context.Error.WriteLine($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A failure nobody foresaw is a bug: keep the whole exception for the report.
            context.Error.WriteLine($"error: unexpected failure: {e}");
            return ExitCodes.Failure;
        }
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (CommandResult? result = parse.CommandResult; result is not null; result = result.Parent as CommandResult)
        {
            names.Insert(0, result.Parent is null ? "tokenrouter" : result.Command.Name);
        }

        return string.Join(' ', names);
    }
}
