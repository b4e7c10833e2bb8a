using System.CommandLine;
using Microsoft.Data.Sqlite;
using TokenRouter.Config;
using TokenRouter.Storage;

namespace TokenRouter.Cli;

/// <summary>
/// <c>tokenrouter serve</c> (also what a bare <c>tokenrouter</c> does): load the settings,
/// ask for the provider key on a first run, start the server and run until Ctrl+C or SIGTERM.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("serve", "Run the gateway (the default command)");
        Configure(command, context);
        return command;
    }

    /// <summary>Gives <paramref name="command"/> the serve options and action (the root command gets them too).</summary>
    public static void Configure(Command command, CliContext context)
    {
        var host = new Option<string?>("--host")
        {
            Description = "Address to listen on (HOST; default 0.0.0.0)",
            HelpName = "address",
        };
        var port = new Option<string?>("--port")
        {
            Description = "Port to listen on (PORT; default 8000)",
            HelpName = "number",
        };
        var envFile = CommonOptions.EnvFile();
        var database = CommonOptions.Database();
        command.Add(host);
        command.Add(port);
        command.Add(envFile);
        command.Add(database);

        command.SetAction((parse, cancellationToken) =>
        {
            var overrides = new List<SettingOverride>();
            AddIfGiven(overrides, SettingKeys.Host, host, parse.GetValue(host));
            AddIfGiven(overrides, SettingKeys.Port, port, parse.GetValue(port));
            AddIfGiven(overrides, SettingKeys.DatabasePath, database, parse.GetValue(database));
            return RunAsync(parse.GetValue(envFile)!, overrides, context, cancellationToken);
        });
    }

    /// <summary>Starts the server and waits for shutdown; returns the process exit code.</summary>
    public static async Task<int> RunAsync(
        string envFilePath,
        IReadOnlyList<SettingOverride> overrides,
        CliContext context,
        CancellationToken cancellationToken)
    {
        var source = SettingsSource.Open(envFilePath, context.Environment, overrides);

        // Check everything else before asking for a key, so nobody types a key only to hear the port is wrong.
        SettingsLoader.Load(source, requireProviderKey: false);
        FirstRun.EnsureProviderKey(source, context.Prompt);
        var settings = SettingsLoader.Load(source);

        if (ListenFailure.Probe(settings) is { } taken)
        {
            throw new CliException(ExitCodes.Failure, taken);
        }

        try
        {
            // SQLite gives its -wal and -shm files the database file's mode, so this covers all three.
            FileSecrecy.CreateOwnerOnly(settings.DatabasePath);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw DatabaseFailure(settings, e);
        }

        WebApplication app;
        try
        {
            app = await Program.StartServerAsync(
                settings, cancellationToken: cancellationToken, configure: context.ConfigureServer);
        }
        catch (Exception e) when (ListenFailure.Describe(e, settings) is { } message)
        {
            throw new CliException(ExitCodes.Failure, message);
        }
        catch (Exception e) when (e is SqliteException or UnauthorizedAccessException or IOException)
        {
            throw DatabaseFailure(settings, e);
        }

        await using (app)
        {
            WarnAboutRisks(app, settings, source.EnvFile);

            // The host's console lifetime turns Ctrl+C and SIGTERM into a graceful stop.
            await app.WaitForShutdownAsync(cancellationToken);
        }

        return ExitCodes.Success;
    }

    private static void WarnAboutRisks(WebApplication app, RouterSettings settings, EnvFile envFile)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TokenRouter.Cli.Serve");
        if (settings.AdminPasswordIsDefault)
        {
            ServeLog.DefaultAdminPassword(logger, envFile.FullPath);
        }

        if (settings.AllowedModels.Count == 0)
        {
            ServeLog.NoAllowedModels(logger, envFile.FullPath);
        }

        var exposed = new[]
        {
            envFile.PermissionWarning(),
            FileSecrecy.CheckPrivate(settings.DatabasePath, "The database"),
        };
        foreach (var warning in exposed.OfType<string>())
        {
            ServeLog.FileReadableByOthers(logger, warning);
        }
    }

    private static CliException DatabaseFailure(RouterSettings settings, Exception error) =>
        new(ExitCodes.Failure, $"cannot open the database {settings.DatabasePath}: {SqliteErrors.Reason(error)}; " +
            "check the file and its folder, or choose another file with --db.");

    private static void AddIfGiven(List<SettingOverride> overrides, string key, Option option, string? value)
    {
        if (value is not null)
        {
            overrides.Add(new SettingOverride(key, option.Name, value));
        }
    }
}
