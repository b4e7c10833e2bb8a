using TokenRouter.Storage;

namespace TokenRouter.Tests.Storage;

public sealed class SqliteSchemaTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Migrate_NewFile_CreatesTheSchemaAtTheLastVersion()
    {
        var path = _dir.File("books.db");

        await using (var books = await BooksTestKit.OpenAsync(path))
        {
            Assert.Empty(await books.ListTeamsAsync(CancellationToken.None));
        }

        Assert.Equal(SqliteSchema.Migrations[^1].Version, BooksTestKit.Scalar(path, "SELECT max(version) FROM schema_migrations"));
        Assert.Equal(1, BooksTestKit.Scalar(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'request_log'"));
    }

    [Fact]
    public async Task ModelFilter_IgnoringLetterCase_StillUsesTheModelIndex()
    {
        var path = _dir.File("books.db");
        await using (await BooksTestKit.OpenAsync(path))
        {
        }

        using var connection = BooksTestKit.Connect(path);
        using var plan = connection.CreateCommand();
        plan.CommandText = "EXPLAIN QUERY PLAN SELECT count(*) FROM request_log l WHERE l.model = 'gpt' COLLATE NOCASE";
        using var reader = plan.ExecuteReader();
        var steps = new List<string>();
        while (reader.Read())
        {
            steps.Add(reader.GetString(3));
        }

        // A search, not a scan of the whole index.
        Assert.Contains(steps, step => step.StartsWith("SEARCH", StringComparison.Ordinal)
            && step.Contains("request_log_model_time", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Migrate_RunTwiceAndReopened_AppliesEachMigrationOnceAndKeepsTheData()
    {
        var path = _dir.File("books.db");
        await using (var books = await BooksTestKit.OpenAsync(path))
        {
            await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
            await books.MigrateAsync(CancellationToken.None);
        }

        await using (var reopened = await BooksTestKit.OpenAsync(path))
        {
            Assert.Equal("alpha", Assert.Single(await reopened.ListTeamsAsync(CancellationToken.None)).Name);
        }

        Assert.Equal(SqliteSchema.Migrations.Count, BooksTestKit.Scalar(path, "SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Migrate_NewFile_UsesWalAndIncrementalVacuum()
    {
        var path = _dir.File("books.db");
        await using var books = await BooksTestKit.OpenAsync(path);

        using var connection = BooksTestKit.Connect(path);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
        command.CommandText = "PRAGMA auto_vacuum";
        Assert.Equal(2L, command.ExecuteScalar());
    }

    [Fact]
    public async Task Migrate_DirectoryMissing_CreatesIt()
    {
        var path = Path.Combine(_dir.Path, "data", "nested", "books.db");

        await using var books = await BooksTestKit.OpenAsync(path);

        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task Dispose_AfterWrites_LeavesOneSelfContainedFile()
    {
        var path = _dir.File("books.db");
        await using (var books = await BooksTestKit.OpenAsync(path))
        {
            var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
            await books.ChargeAsync(BooksTestKit.Record(team.Id, 10));
        }

        Assert.False(File.Exists(path + "-wal") && new FileInfo(path + "-wal").Length > 0);
        Assert.Equal(10, BooksTestKit.Scalar(path, "SELECT used FROM teams"));
    }
}
