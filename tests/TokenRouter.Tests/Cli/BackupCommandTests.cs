using TokenRouter.Config;
using TokenRouter.Proxy;
using TokenRouter.Storage;
using TokenRouter.Tests.Config;

namespace TokenRouter.Tests.Cli;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BackupCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Backup_LiveDatabase_WritesACopyWithTheSameTeams()
    {
        var database = _folder.File("books.db");
        await using (var books = Open(database))
        {
            await books.MigrateAsync(CancellationToken.None);
            var token = TeamTokens.Generate();
            var alpha = new NewTeam("alpha", 1000, TeamTokens.Hash(token), TeamTokens.DisplayPrefix(token));
            await books.CreateTeamAsync(alpha, CancellationToken.None);
        }

        var copy = _folder.File("copy.db");
        var result = await CliRun.RunAsync(["backup", copy, "--db", database, "--env-file", _folder.File(".env")]);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"Backed up {database} to {copy} (", result.Out);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(copy));
        await using var restored = Open(copy);
        await restored.MigrateAsync(CancellationToken.None);
        var team = Assert.Single(await restored.ListTeamsAsync(CancellationToken.None));
        Assert.Equal("alpha", team.Name);
        Assert.Equal(1000, team.Quota);
    }

    [Fact]
    public async Task Backup_TargetExists_RefusesWithoutForce()
    {
        var database = _folder.File("books.db");
        await using (var books = Open(database))
        {
            await books.MigrateAsync(CancellationToken.None);
        }

        var copy = _folder.Write("copy.db", "keep me");
        var refused = await CliRun.RunAsync(["backup", copy, "--db", database, "--env-file", _folder.File(".env")]);
        var forced = await CliRun.RunAsync(["backup", copy, "--db", database, "--env-file", _folder.File(".env"), "--force"]);

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal($"error: {copy} already exists; choose another FILE or pass --force.", Assert.Single(refused.ErrorLines));
        Assert.Equal(0, forced.ExitCode);
        Assert.StartsWith("SQLite format 3", File.ReadAllText(copy));
    }

    [Theory]
    [InlineData("data/books.db", "the database itself")]
    [InlineData("data/books.db-wal", "the database's -wal file")]
    [InlineData("data/books.db-shm", "the database's -shm file")]
    [InlineData("data/books.db-journal", "the database's -journal file")]
    [InlineData("link-to-data/books.db-shm", "the database's -shm file")]
    [InlineData("data-link.db", "the database itself")]
    public async Task Backup_TargetIsTheDatabaseOrACompanion_IsRefusedEvenWithForce(string target, string what)
    {
        var data = Directory.CreateDirectory(_folder.File("data")).FullName;
        var database = Path.Combine(data, "books.db");
        await using var books = Open(database);
        await books.MigrateAsync(CancellationToken.None);
        var token = TeamTokens.Generate();
        await books.CreateTeamAsync(new NewTeam("alpha", 1000, TeamTokens.Hash(token), "sk-tr-abcd"), CancellationToken.None);
        Directory.CreateSymbolicLink(_folder.File("link-to-data"), data);
        File.CreateSymbolicLink(_folder.File("data-link.db"), database);
        var live = Directory.GetFiles(data).ToDictionary(f => f, File.ReadAllBytes);

        var refused = await CliRun.RunAsync(["backup", _folder.File(target), "--db", database, "--env-file", _folder.File(".env"), "--force"]);

        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith($"error: FILE must not be {what} (", Assert.Single(refused.ErrorLines));
        Assert.All(live, file => Assert.Equal(file.Value, File.ReadAllBytes(file.Key)));
        Assert.Single(await books.ListTeamsAsync(CancellationToken.None));
    }

    private static IBooks Open(string path)
    {
        var settings = new RouterSettings { ProviderApiKey = "", DatabasePath = path };
        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddBooks(settings);
        return services.BuildServiceProvider().GetRequiredService<IBooks>();
    }
}
