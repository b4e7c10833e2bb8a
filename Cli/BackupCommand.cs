using System.CommandLine;
using Microsoft.Data.Sqlite;
using TokenRouter.Config;
using TokenRouter.Storage;

namespace TokenRouter.Cli;

/// <summary>
/// <c>tokenrouter backup FILE</c>: a consistent copy of the database, taken through the
/// storage layer so it is safe while the server is running.
/// </summary>
internal static class BackupCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "Where to write the copy (a new file)" };
        var force = new Option<bool>("--force") { Description = "Replace FILE if it exists" };
        var envFile = CommonOptions.EnvFile();
        var database = CommonOptions.Database();
        var command = new Command("backup", "Copy the database to FILE (safe while the server runs)")
        {
            file, force, envFile, database,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = parse.GetValue(database) is { } path
                ? [new SettingOverride(SettingKeys.DatabasePath, database.Name, path)]
                : Array.Empty<SettingOverride>();
            var source = SettingsSource.Open(parse.GetValue(envFile)!, context.Environment, overrides);
            var settings = SettingsLoader.Load(source, requireProviderKey: false);
            var target = Path.GetFullPath(parse.GetValue(file)!);
            await BackupAsync(settings, target, parse.GetValue(force), cancellationToken);
            var size = Display.Number(new FileInfo(target).Length);
            context.Out.WriteLine($"Backed up {settings.DatabasePath} to {target} ({size} bytes).");
            return ExitCodes.Success;
        });
        return command;
    }

    public static async Task BackupAsync(
        RouterSettings settings, string target, bool replace, CancellationToken cancellationToken)
    {
        if (!File.Exists(settings.DatabasePath))
        {
            throw new CliException(ExitCodes.Failure, $"there is no database at {settings.DatabasePath} to back up; " +
                "pass --db or set DATABASE_PATH.");
        }

        RefuseLiveFile(target, settings.DatabasePath);

        if (File.Exists(target))
        {
            if (!replace)
            {
                throw new CliException(
                    ExitCodes.Failure, $"{target} already exists; choose another FILE or pass --force.");
            }

            File.Delete(target);
        }

        var folder = Path.GetDirectoryName(target);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new CliException(ExitCodes.Failure, $"cannot write {target}: the folder {folder} does not exist.");
        }

        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(settings)
            .AddSingleton(TimeProvider.System)
            .AddBooks(settings);
        await using var provider = services.BuildServiceProvider();
        try
        {
            await provider.GetRequiredService<IBooks>().BackupAsync(target, cancellationToken);
        }
        catch (Exception e) when (e is SqliteException or UnauthorizedAccessException or IOException)
        {
            throw new CliException(ExitCodes.Failure, $"the backup to {target} failed: {SqliteErrors.Reason(e)}.");
        }
    }

    /// <summary>
    /// Refuses the database and the files SQLite keeps beside it as FILE: replacing the -wal or
    /// -shm of a running server would lose or corrupt what it has written. Compared with every
    /// symbolic link followed, so no other name for the same file slips through.
    /// </summary>
    private static void RefuseLiveFile(string target, string database)
    {
        var file = RealPath(target);
        foreach (var companion in (string[])["", "-wal", "-shm", "-journal"])
        {
            if (file == RealPath(database + companion) || file == RealPath(database) + companion)
            {
                var what = companion.Length == 0 ? "the database itself" : $"the database's {companion} file";
                throw new CliException(ExitCodes.Failure,
                    $"FILE must not be {what} ({database}{companion}); choose a path for a new file.");
            }
        }
    }

    /// <summary>The full path with each symbolic link in it followed, as far as the path exists.</summary>
    private static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? "";
        var real = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(real, part);
            var exists = File.Exists(next) || Directory.Exists(next);
            real = exists && new FileInfo(next).ResolveLinkTarget(returnFinalTarget: true) is { } target
                ? RealPath(target.FullName)
                : next;
        }

        return real;
    }
}
