using Microsoft.Extensions.Time.Testing;
using TokenRouter.Storage;

namespace TokenRouter.Tests.Storage;

public sealed class SqliteBooksMaintenanceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Backup_WhileChargesContinue_WritesAConsistentReadableCopy()
    {
        var path = _dir.File("books.db");
        var copy = _dir.File("copy.db");
        await using var books = await BooksTestKit.OpenAsync(path);
        var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        await Task.WhenAll(Enumerable.Range(0, 500).Select(_ => books.ChargeAsync(BooksTestKit.Record(team.Id, 3)).AsTask()));

        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var written = 0;
            while (!stop.IsCancellationRequested)
            {
                await books.ChargeAsync(BooksTestKit.Record(team.Id, 1));
                written++;
            }

            return written;
        });

        await BooksTestKit.EventuallyAsync(() => BooksTestKit.Scalar(path, "SELECT count(*) FROM request_log") > 600);
        await books.BackupAsync(copy, CancellationToken.None);
        await stop.CancelAsync();
        var writtenDuring = await writer;

        Assert.True(writtenDuring > 0);
        Assert.Equal(0, BooksTestKit.Scalar(copy, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"));
        Assert.True(BooksTestKit.Scalar(copy, "SELECT count(*) FROM request_log") >= 600);
        var (used, logged) = BooksTestKit.UsedAndLogged(copy, team.Id);
        Assert.Equal(logged, used);
        Assert.False(File.Exists(copy + "-wal"));
        Assert.False(File.Exists(copy + ".partial"));

        // The copy opens as books of its own.
        await using var restored = await BooksTestKit.OpenAsync(copy);
        Assert.Equal(used, (await restored.GetTeamAsync(team.Id, CancellationToken.None))!.Used);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Backup_CopyIsReadableByItsOwnerOnly()
    {
        var path = _dir.File("books.db");
        var copy = _dir.File("copy.db");
        await using var books = await BooksTestKit.OpenAsync(path);
        await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);

        await books.BackupAsync(copy, CancellationToken.None);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(copy));
    }

    [Fact]
    public async Task Backup_OntoTheLiveDatabase_IsRefused()
    {
        var path = _dir.File("books.db");
        await using var books = await BooksTestKit.OpenAsync(path);

        await Assert.ThrowsAsync<ArgumentException>(() => books.BackupAsync(path, CancellationToken.None));
    }

    [Fact]
    public async Task PruneLogs_MixedAges_RemovesOnlyOldRowsInBatchesAndKeepsUsedExplained()
    {
        var path = _dir.File("books.db");
        await using var books = await BooksTestKit.OpenAsync(path);
        var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        var cutoff = BooksTestKit.Start.AddDays(-90);
        var charges = new List<Task>();
        for (var i = 0; i < 250; i++)
        {
            charges.Add(books.ChargeAsync(BooksTestKit.Record(team.Id, 2, startedAt: cutoff.AddMinutes(-1 - i))).AsTask());
            charges.Add(books.ChargeAsync(BooksTestKit.Record(team.Id, 3, startedAt: cutoff.AddMinutes(i))).AsTask());
        }

        await Task.WhenAll(charges);

        Assert.Equal(100, await books.PruneLogsAsync(cutoff, 100, CancellationToken.None));
        Assert.Equal(100, await books.PruneLogsAsync(cutoff, 100, CancellationToken.None));
        Assert.Equal(50, await books.PruneLogsAsync(cutoff, 100, CancellationToken.None));
        Assert.Equal(0, await books.PruneLogsAsync(cutoff, 100, CancellationToken.None));

        Assert.Equal(250, BooksTestKit.Scalar(path, "SELECT count(*) FROM request_log"));
        Assert.Equal(0, BooksTestKit.Scalar(path, $"SELECT count(*) FROM request_log WHERE started_at < {cutoff.ToUnixTimeMilliseconds()}"));
        Assert.Equal((1250, 1250), BooksTestKit.UsedAndLogged(path, team.Id));
        Assert.Equal(0, BooksTestKit.Scalar(path, "PRAGMA freelist_count"));
    }

    [Fact]
    public async Task LogRetention_OldAndNewRows_DeletesWhatIsPastTheRetention()
    {
        var path = _dir.File("books.db");
        var clock = new FakeTimeProvider(BooksTestKit.Start);
        await using var books = await BooksTestKit.OpenAsync(path, clock);
        var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        var charges = new List<Task>();
        for (var i = 0; i < 1200; i++)
        {
            charges.Add(books.ChargeAsync(BooksTestKit.Record(team.Id, 1, startedAt: BooksTestKit.Start.AddDays(-31))).AsTask());
        }

        charges.Add(books.ChargeAsync(BooksTestKit.Record(team.Id, 1, startedAt: BooksTestKit.Start.AddDays(-29))).AsTask());
        await Task.WhenAll(charges);
        var retention = new LogRetentionService(books, TimeSpan.FromDays(30), clock, new ListLogger<LogRetentionService>());

        var pruned = await retention.PruneAsync(CancellationToken.None);

        Assert.Equal(1200, pruned);
        Assert.Equal(1, BooksTestKit.Scalar(path, "SELECT count(*) FROM request_log"));
        Assert.Equal((1201, 1201), BooksTestKit.UsedAndLogged(path, team.Id));
    }
}
