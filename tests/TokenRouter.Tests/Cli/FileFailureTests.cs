using System.Diagnostics;
using TokenRouter.Config;
using TokenRouter.Tests.Config;
using TokenRouter.Tests.Storage;

namespace TokenRouter.Tests.Cli;

/// <summary>
/// Files that cannot be used are reported in TokenRouter's own words, never through an
/// exception's message: the native build has only resource keys for the runtime's messages.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileFailureTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        Chattr("-i", _folder.Path);
        _folder.Dispose();
    }

    [Fact]
    public async Task ServeAndBackup_FolderNotWritable_SayPermissionDenied()
    {
        var envFile = _folder.Write(".env", "PROVIDER_API_KEY=sk-test\n");
        var locked = Directory.CreateDirectory(Path.Combine(_folder.Path, "locked")).FullName;
        var database = Path.Combine(locked, "books.db");
        var source = _folder.File("books.db");
        await (await BooksTestKit.OpenAsync(source)).DisposeAsync();
        var copy = Path.Combine(locked, "copy.db");

        ForbidWrites(locked);
        var serve = await CliRun.RunAsync(["serve", "--port", "0", "--env-file", envFile, "--db", database]);
        var backup = await CliRun.RunAsync(["backup", copy, "--db", source, "--env-file", envFile]);

        Assert.Equal(1, serve.ExitCode);
        Assert.Equal(
            $"error: cannot open the database {database}: permission denied for this user; " +
            "check the file and its folder, or choose another file with --db.",
            Assert.Single(serve.ErrorLines));
        Assert.Equal(1, backup.ExitCode);
        Assert.Equal($"error: the backup to {copy} failed: permission denied for this user.", Assert.Single(backup.ErrorLines));
    }

    [Fact]
    public void EnvFile_SaveIntoAMissingFolder_SaysTheFolderIsMissing()
    {
        var path = Path.Combine(_folder.Path, "gone", ".env");
        var file = EnvFile.Load(path);
        file.Set("PROVIDER_API_KEY", "sk-x");

        var error = Assert.Throws<SettingsException>(file.Save);

        Assert.Equal($"Cannot write the env file {path}: its folder does not exist.", error.Message);
    }

    [Theory]
    [InlineData(typeof(UnauthorizedAccessException), "permission denied for this user")]
    [InlineData(typeof(DirectoryNotFoundException), "its folder does not exist")]
    [InlineData(typeof(FileNotFoundException), "the file does not exist")]
    [InlineData(typeof(PathTooLongException), "the path is too long")]
    public void FileErrors_NameTheReasonWithoutTheMessage(Type type, string reason)
    {
        var error = (Exception)Activator.CreateInstance(type, "UnauthorizedAccess_IODenied_Path, /x")!;

        Assert.Equal(reason, FileErrors.Reason(error));
    }

    /// <summary>
    /// Takes write permission on the folder away, from root too: chattr +i where it works
    /// (root ignores file modes), and the mode as well for everyone else.
    /// </summary>
    private static void ForbidWrites(string folder)
    {
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var immutable = Chattr("+i", folder);
        Assert.True(immutable || Environment.UserName != "root", "As root, the test needs chattr to take write permission away.");
    }

    private static bool Chattr(string flag, string path)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
            process.WaitForExit(TimeSpan.FromSeconds(30));
            return process.HasExited && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
