using TokenRouter.Config;

namespace TokenRouter.Cli;

/// <summary>
/// What a command reads and writes besides its arguments. The process's console and
/// environment in production; writers and a dictionary in tests, which run in parallel and
/// must not share the real console or environment.
/// </summary>
internal sealed record CliContext(
    TextWriter Out,
    TextWriter Error,
    IPromptConsole Prompt,
    Func<string, string?> Environment)
{
    /// <summary>A last word on the server's builder before it is built; tests add a log sink here.</summary>
    public Action<WebApplicationBuilder>? ConfigureServer { get; init; }

    public static CliContext FromSystem() =>
        new(Console.Out, Console.Error, new SystemPromptConsole(), System.Environment.GetEnvironmentVariable);
}
