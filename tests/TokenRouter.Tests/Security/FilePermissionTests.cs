using System.Runtime.Versioning;
using TokenRouter.Tests.Config;
using TokenRouter.Tests.Reliability;

namespace TokenRouter.Tests.Security;

/// <summary>
/// Issue 6, files at rest, seen from a real <c>tokenrouter serve</c> process: the database
/// it creates (and SQLite's -wal and -shm beside it) is readable by its owner only, and an env
/// file or database that others can read is named on the console at start, with the fix.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class FilePermissionTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode WorldReadable = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Serve_NewDatabase_IsOwnerOnlyWithItsWalAndShm()
    {
        var database = _folder.File("books.db");

        await using var router = await RouterProcess.StartAsync(_folder.Path, database, new Uri("http://127.0.0.1:9/v1/"));
        await router.CreateTeamAsync("files", 10);

        foreach (var file in new[] { database, database + "-wal", database + "-shm" })
        {
            Assert.True(File.Exists(file), $"{file} is missing.");
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(file) & ~UnixFileMode.UserExecute);
        }

        Assert.DoesNotContain(router.OutputLines, l => l.Contains("can be read by other users", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_WorldReadableEnvFileAndDatabase_WarnsOnTheConsoleWithoutShowingSecrets()
    {
        var envFile = _folder.Write(".env", $"PROVIDER_API_KEY={RouterProcess.ProviderApiKey}\n");
        File.SetUnixFileMode(envFile, WorldReadable);
        var database = _folder.Write("books.db", "");
        File.SetUnixFileMode(database, WorldReadable);

        await using var router = await RouterProcess.StartAsync(_folder.Path, database, new Uri("http://127.0.0.1:9/v1/"));
        router.Terminate();
        Assert.Equal(0, await router.WaitForExitAsync(RouterProcess.Patience));

        var console = string.Join('\n', router.OutputLines.Concat(router.ErrorLines));
        foreach (var (what, file) in new[] { ("The env file", envFile), ("The database", database) })
        {
            Assert.Contains($"{what} {file} can be read by other users (mode 644) and holds secrets; run: chmod 600 {file}", console);
        }

        Assert.DoesNotContain(RouterProcess.ProviderApiKey, console);
        Assert.DoesNotContain(RouterProcess.AdminPassword, console);
    }
}
