using Microsoft.Data.Sqlite;
using TokenRouter.Storage;

namespace TokenRouter.Tests.Storage;

/// <summary>
/// The write-ahead log is folded into the database file in the background, not inside the
/// commits that clients wait for.
/// </summary>
public sealed class WalCheckpointTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Committed_charges_reach_the_database_file_itself_without_closing_the_books()
    {
        var path = _dir.File("books.db");
        await using var books = await BooksTestKit.OpenAsync(path);
        var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        for (var i = 0; i < 20; i++)
        {
            await books.ChargeAsync(BooksTestKit.Record(team.Id, 5));
        }

        // Far fewer pages than SQLite's own automatic checkpoint waits for: only the background
        // checkpoint can have moved these rows out of the log and into the main file.
        Assert.True(await BooksTestKit.EventuallyAsync(() => RowsInMainFileAlone(path) == 20));
        Assert.True(File.Exists(path + "-wal"), "the books are still open, in WAL mode");
    }

    [Fact]
    public void The_writer_leaves_routine_checkpoints_to_the_background()
    {
        using var connections = new SqliteConnections(new SqliteBooksOptions(_dir.File("books.db")));
        using var writer = connections.OpenWriter(create: true);
        using var command = writer.CreateCommand();
        command.CommandText = "PRAGMA wal_autocheckpoint";

        // SQLite's default is 1,000 pages; the writer's is only a backstop, far above what a
        // second of traffic writes.
        Assert.Equal(WalCheckpointer.WriterBackstopPages, (long)command.ExecuteScalar()!);
        Assert.True(WalCheckpointer.WriterBackstopPages >= 10 * 1000);
    }

    /// <summary>The request log as the database file alone has it, without its -wal beside it.</summary>
    private long RowsInMainFileAlone(string path)
    {
        var copy = _dir.File($"main-only-{Guid.NewGuid():N}.db");
        File.Copy(path, copy);
        using var connection = new SqliteConnection($"Data Source={copy};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM request_log";
        try
        {
            return (long)command.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return -1; // the main file does not even have the table yet
        }
    }
}
