using TokenRouter.Storage;

namespace TokenRouter.Tests.Storage;

public sealed class SqliteBooksFailureTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static SqliteBooksOptions Options(string path) => new(path)
    {
        BusyTimeout = TimeSpan.FromMilliseconds(200),
        RetryInitialDelay = TimeSpan.FromMilliseconds(20),
        RetryMaxDelay = TimeSpan.FromMilliseconds(200),
    };

    [Fact]
    public async Task Charge_DatabaseDirectoryMovedAway_IsKeptUntilItIsBackThenWritten()
    {
        var home = Path.Combine(_dir.Path, "data");
        var away = Path.Combine(_dir.Path, "elsewhere");
        var path = Path.Combine(home, "books.db");
        var logger = new ListLogger<SqliteBooks>();
        await using var books = await BooksTestKit.OpenAsync(path, options: Options(path), logger: logger);
        var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        await books.ChargeAsync(BooksTestKit.Record(team.Id, 10));

        Directory.Move(home, away);
        var charge = books.ChargeAsync(BooksTestKit.Record(team.Id, 32)).AsTask();

        Assert.True(await BooksTestKit.EventuallyAsync(() => !books.IsWritable), "IsWritable never went false.");
        Assert.False(charge.IsCompleted);
        Assert.Contains(logger.Entries, e => e.Id.Id == 301 && e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);

        Directory.Move(away, home);
        await charge.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(books.IsWritable);
        Assert.Equal((42, 42), BooksTestKit.UsedAndLogged(path, team.Id));
    }

    [Fact]
    public async Task DatabaseDirectoryDeletedAndRestored_WritesGoToTheRestoredFile_AndReadsSeeThem()
    {
        var home = Path.Combine(_dir.Path, "data");
        var copy = Path.Combine(_dir.Path, "data.copy");
        var path = Path.Combine(home, "books.db");
        await using var books = await BooksTestKit.OpenAsync(path, options: Options(path));
        var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        await books.ChargeAsync(BooksTestKit.Record(team.Id, 10));
        Assert.Equal(1, (await books.QueryLogsAsync(new LogQuery(), CancellationToken.None)).Total);

        // cp -a data data.copy; rm -rf data; cp -a data.copy data: the writer, the readers and
        // the checkpointer all still hold the deleted files, and nothing is written in between.
        CopyDirectory(home, copy);
        Directory.Delete(home, recursive: true);
        CopyDirectory(copy, home);
        await books.ChargeAsync(BooksTestKit.Record(team.Id, 32)).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((42, 42), BooksTestKit.UsedAndLogged(path, team.Id));
        Assert.Equal(2, (await books.QueryLogsAsync(new LogQuery(), CancellationToken.None)).Total);
        Assert.Equal(42, (await books.GetTeamAsync(team.Id, CancellationToken.None))!.Used);
    }

    [Fact]
    public async Task Charge_DatabaseLockedByAnotherProcess_IsRetriedAndNoLockErrorReachesTheCaller()
    {
        var path = _dir.File("books.db");
        await using var books = await BooksTestKit.OpenAsync(path, options: Options(path));
        var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);

        // Another process (here, another connection) holds the write lock far longer than the busy timeout.
        using var other = BooksTestKit.Connect(path);
        var hold = other.BeginTransaction(deferred: false);
        var charges = Enumerable.Range(0, 50).Select(_ => books.ChargeAsync(BooksTestKit.Record(team.Id, 2)).AsTask()).ToList();

        Assert.True(await BooksTestKit.EventuallyAsync(() => !books.IsWritable), "IsWritable never went false.");
        Assert.DoesNotContain(charges, c => c.IsCompleted);

        hold.Commit();
        await Task.WhenAll(charges).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(books.IsWritable);
        Assert.Equal((100, 100), BooksTestKit.UsedAndLogged(path, team.Id));
    }

    [Fact]
    public async Task Dispose_WhileStorageStaysDown_GivesUpAfterTheDrainTimeoutAndFailsTheWrites()
    {
        var home = Path.Combine(_dir.Path, "data");
        var path = Path.Combine(home, "books.db");
        var logger = new ListLogger<SqliteBooks>();
        var books = await BooksTestKit.OpenAsync(
            path, options: Options(path) with { DrainTimeout = TimeSpan.FromMilliseconds(300) }, logger: logger);
        var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);

        Directory.Move(home, Path.Combine(_dir.Path, "gone"));
        var charge = books.ChargeAsync(BooksTestKit.Record(team.Id, 5)).AsTask();
        await books.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        await Assert.ThrowsAsync<IOException>(() => charge);
        Assert.Contains(logger.Entries, e => e.Id.Id == 305);
    }

    [Fact]
    public async Task TeamChanges_WhileStorageIsDown_AreRefusedWithinTheChangeTimeout_AndNeverWrittenLater()
    {
        var home = Path.Combine(_dir.Path, "data");
        var away = Path.Combine(_dir.Path, "elsewhere");
        var path = Path.Combine(home, "books.db");
        await using var books = await BooksTestKit.OpenAsync(
            path, options: Options(path) with { ChangeTimeout = TimeSpan.FromMilliseconds(300) });
        var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);

        Directory.Move(home, away);

        // The books learn of the failure from this change, which then gives up after its timeout ...
        var first = books.CreateTeamAsync(BooksTestKit.NewTeam("beta"), CancellationToken.None);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => first.WaitAsync(TimeSpan.FromSeconds(30)));

        // ... and refuse every later change at once while they know.
        Assert.False(books.IsWritable);
        var reset = books.ResetUsageAsync(team.Id, ResetReason.Manual("test"));
        Assert.True(reset.IsFaulted);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => reset);
        await Assert.ThrowsAsync<StorageUnavailableException>(
            () => books.UpdateTeamAsync(team.Id, new TeamChanges { Quota = 5 }, CancellationToken.None));

        // A period reset stands in the request path with the charges, and waits as they do.
        var periodReset = books.ResetUsageAsync(team.Id, ResetReason.PeriodBoundary(QuotaPeriod.Daily, DateTimeOffset.UtcNow));
        await Task.Delay(TimeSpan.FromMilliseconds(600));
        Assert.False(periodReset.IsCompleted);

        // Nothing else writes, yet the books notice by themselves when storage is back.
        Directory.Move(away, home);
        Assert.True(await BooksTestKit.EventuallyAsync(() => books.IsWritable), "IsWritable never came back.");
        var gamma = await books.CreateTeamAsync(BooksTestKit.NewTeam("gamma"), CancellationToken.None);
        Assert.Equal(0, (await periodReset.WaitAsync(TimeSpan.FromSeconds(30)))!.Used);

        var names = (await books.ListTeamsAsync(CancellationToken.None)).Select(t => t.Name).Order();
        Assert.Equal(["alpha", "gamma"], names);
        Assert.Equal(1_000_000, (await books.GetTeamAsync(team.Id, CancellationToken.None))!.Quota);
        Assert.Equal("gamma", gamma.Name);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
