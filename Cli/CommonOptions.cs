using System.CommandLine;

namespace TokenRouter.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public const string DefaultEnvFile = ".env";

    public static Option<string> EnvFile() => new("--env-file")
    {
        Description = "The settings file (KEY=VALUE lines); the environment overrides it",
        HelpName = "path",
        DefaultValueFactory = _ => DefaultEnvFile,
    };

    /// <summary>DATABASE_PATH on the command line.</summary>
    public static Option<string?> Database() => new("--db")
    {
        Description = "The SQLite database file (DATABASE_PATH; default tokenrouter.db)",
        HelpName = "path",
    };
}
