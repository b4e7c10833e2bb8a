using System.Reflection;
using TokenRouter.Tests.Config;

namespace TokenRouter.Tests.Cli;

public sealed class CommandLineTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(new[] { "--bogus" }, "tokenrouter")]
    [InlineData(new[] { "serve", "--bogus" }, "tokenrouter serve")]
    [InlineData(new[] { "team", "list", "--bogus" }, "tokenrouter team list")]
    [InlineData(new[] { "frobnicate" }, "tokenrouter")]
    [InlineData(new[] { "serve", "--port" }, "tokenrouter serve")]
    public async Task WrongCommandLine_ExitsTwoWithAShortMessage(string[] args, string command)
    {
        var result = await CliRun.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.StartsWith("error: ", result.ErrorLines[0]);
        Assert.Equal($"See '{command} --help'.", result.ErrorLines[^1]);
    }

    [Theory]
    [InlineData("", "serve")]
    [InlineData("serve", "--host <address>")]
    [InlineData("team", "set-quota")]
    [InlineData("team create", "--quota <tokens>")]
    [InlineData("team list", "--json")]
    [InlineData("backup", "--force")]
    public async Task Help_EveryCommand_ExitsZeroAndDescribesIt(string command, string expected)
    {
        var result = await CliRun.RunAsync([.. Words(command), "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Out);
        Assert.Contains(expected, result.Out);
    }

    [Theory]
    [InlineData("")]
    [InlineData("serve")]
    [InlineData("team list")]
    [InlineData("backup")]
    public async Task Version_EveryCommand_PrintsTheVersion(string command)
    {
        var version = typeof(TokenRouter.Cli.RouterCommandLine).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        var result = await CliRun.RunAsync([.. Words(command), "--version"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(version, result.Out.Trim());
    }

    [Fact]
    public async Task Serve_NoKeyAndNoTerminal_ExitsTwoWithoutPrompting()
    {
        var console = new FakePromptConsole(interactive: false);
        var envFile = _folder.File(".env");

        var result = await CliRun.RunAsync(["serve", "--env-file", envFile], console: console);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            $"error: PROVIDER_API_KEY is not set: add PROVIDER_API_KEY=<your provider's API key> to {envFile} " +
            "(or set it in the environment), or start tokenrouter in a terminal to be asked for it.",
            Assert.Single(result.ErrorLines));
        Assert.Equal("", console.Written);
    }

    [Fact]
    public async Task Serve_BadOptionValue_ExitsTwoNamingTheOption()
    {
        var result = await CliRun.RunAsync(["--port", "http", "--env-file", _folder.File(".env")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: --port must be a whole number from 0 to 65535; got 'http'.", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Serve_BadSettingsAndNoKey_ReportsTheSettingsBeforeAskingForAKey()
    {
        var console = new FakePromptConsole(interactive: true);
        var envFile = _folder.Write(".env", "PORT=99999\n");

        var result = await CliRun.RunAsync(["serve", "--env-file", envFile], console: console);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: PORT in {envFile} must be a whole number from 0 to 65535; got '99999'.", Assert.Single(result.ErrorLines));
        Assert.Equal(0, console.SecretReads);
    }

    [Fact]
    public async Task Serve_MalformedEnvFile_ExitsTwoNamingTheLine()
    {
        var envFile = _folder.Write(".env", "PROVIDER_API_KEY=k\nthis is not a setting\n");

        var result = await CliRun.RunAsync(["--env-file", envFile]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: {envFile} line 2: expected KEY=VALUE or a # comment", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Backup_NoDatabase_FailsWithOneLine()
    {
        var database = _folder.File("missing.db");

        var result = await CliRun.RunAsync(["backup", _folder.File("copy.db"), "--db", database, "--env-file", _folder.File(".env")]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: there is no database at {database} to back up; pass --db or set DATABASE_PATH.",
            Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("0.0.0.0")]
    public async Task Serve_PortInUse_ExitsOneNamingPortAndOption(string host)
    {
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;
        var envFile = _folder.Write(".env", $"PROVIDER_API_KEY=sk-test\nDATABASE_PATH={_folder.File("books.db")}\n");

        var result = await CliRun.RunAsync(["serve", "--host", host, "--port", port.ToString(), "--env-file", envFile]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"error: port {port} is already in use on {host}: stop the program using it, or start TokenRouter on another " +
            $"port with --port (or PORT in {envFile}).",
            Assert.Single(result.ErrorLines));
        Assert.False(File.Exists(_folder.File("books.db")));
    }

    [Fact]
    public async Task Serve_DatabaseFileIsNotSqlite_ExitsOneWithOneLine()
    {
        var database = _folder.Write("books.db", "this is not a database, it is a note that happens to be long enough");
        var envFile = _folder.Write(".env", "PROVIDER_API_KEY=sk-test\nPROVIDER_BASE_URL=http://127.0.0.1:9/v1\n");

        var result = await CliRun.RunAsync(["serve", "--port", "0", "--env-file", envFile, "--db", database]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"error: cannot open the database {database}: the file is not an SQLite database; " +
            "check the file and its folder, or choose another file with --db.",
            Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Backup_TargetFolderMissing_FailsWithOneLine()
    {
        var database = _folder.Write("books.db", "");
        var target = _folder.File("no-such-folder/copy.db");

        var result = await CliRun.RunAsync(["backup", target, "--db", database, "--env-file", _folder.File(".env")]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: cannot write {target}: the folder {_folder.File("no-such-folder")} does not exist.",
            Assert.Single(result.ErrorLines));
    }

    private static string[] Words(string command) => command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
