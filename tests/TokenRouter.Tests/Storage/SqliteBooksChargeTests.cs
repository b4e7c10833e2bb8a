using System.Collections.Concurrent;
using TokenRouter.Storage;

namespace TokenRouter.Tests.Storage;

public sealed class SqliteBooksChargeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Charge_OneRecord_IsLoggedAndAddedToUsed()
    {
        var path = _dir.File("books.db");
        await using var books = await BooksTestKit.OpenAsync(path);
        var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        var record = BooksTestKit.Record(team.Id, 50) with
        {
            Stream = true,
            CachedTokens = 3,
            ReasoningTokens = 4,
            Estimated = true,
            UpstreamRequestId = "req_up",
            ErrorType = "client_disconnected",
            EndUser = "<b>user</b>",
        };

        await books.ChargeAsync(record);

        var stored = await books.GetTeamAsync(team.Id, CancellationToken.None);
        Assert.Equal(50, stored!.Used);
        Assert.Equal(record.StartedAt, stored.LastRequestAt);
        var entry = Assert.Single((await books.QueryLogsAsync(new LogQuery(), CancellationToken.None)).Items);
        Assert.Equal(record, entry.Record);
        Assert.Equal("alpha", entry.TeamName);
    }

    [Fact]
    public async Task Charge_QueuedTogether_AreWrittenInOneTransaction()
    {
        var path = _dir.File("books.db");
        await using var books = BooksTestKit.Create(path);
        var team = books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        var charges = Enumerable.Range(0, 300).Select(_ => books.ChargeAsync(BooksTestKit.Record(1, 2)).AsTask()).ToList();

        // The writer starts with all of them waiting: one batch, one commit.
        await books.MigrateAsync(CancellationToken.None);
        await team;
        await Task.WhenAll(charges);

        Assert.Equal(1, books.Commits);
        Assert.Equal(600, (await books.GetTeamAsync(1, CancellationToken.None))!.Used);
        Assert.Equal(300, BooksTestKit.Scalar(path, "SELECT count(*) FROM request_log"));
    }

    [Fact]
    public async Task Charge_ManyConcurrentWritersWithResets_UsedAlwaysEqualsTheLoggedUsageOfTheEpoch()
    {
        // C12 at the storage level: 1,000 charges from 20 tasks over 4 teams, resets in between,
        // an admin polling the whole time. No storage error may surface, and the books must agree
        // with each other and with a ledger kept from the callbacks alone.
        var path = _dir.File("books.db");
        await using var books = await BooksTestKit.OpenAsync(path);
        var teams = new List<Team>();
        for (var i = 0; i < 4; i++)
        {
            teams.Add(await books.CreateTeamAsync(BooksTestKit.NewTeam($"team-{i}"), CancellationToken.None));
        }

        // The ledger as the quota layer keeps it: the callbacks run on the writer, in commit order.
        var ledger = new ConcurrentDictionary<long, long>(teams.Select(t => KeyValuePair.Create(t.Id, 0L)));
        using var stop = new CancellationTokenSource();
        var errors = new ConcurrentQueue<Exception>();

        var chargers = Enumerable.Range(0, 20).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; n < 50; n++)
            {
                var team = teams[(worker + n) % teams.Count];
                var tokens = 1 + (worker * 50 + n) % 17;
                try
                {
                    await books.ChargeAsync(BooksTestKit.Record(team.Id, tokens), () => ledger[team.Id] += tokens);
                }
                catch (Exception error)
                {
                    errors.Enqueue(error);
                }
            }
        })).ToList();

        var resetter = Task.Run(async () =>
        {
            for (var n = 0; n < 20; n++)
            {
                var team = teams[n % teams.Count];
                await books.ResetUsageAsync(team.Id, ResetReason.Manual("test"), t => ledger[t.Id] = t.Used);
                await Task.Delay(2);
            }
        });

        var poller = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await books.ListTeamsAsync(CancellationToken.None);
                    await books.QueryLogsAsync(new LogQuery { Limit = 20 }, CancellationToken.None);
                    await books.SummarizeUsageAsync(new UsageQuery(), CancellationToken.None);
                }
                catch (Exception error)
                {
                    errors.Enqueue(error);
                }
            }
        });

        await Task.WhenAll(chargers).WaitAsync(TimeSpan.FromMinutes(2));
        await resetter.WaitAsync(TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await poller.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Empty(errors);
        Assert.Equal(1000, BooksTestKit.Scalar(path, "SELECT count(*) FROM request_log"));
        Assert.Equal(20, BooksTestKit.Scalar(path, "SELECT count(*) FROM usage_resets"));
        Assert.True(books.Commits < 1000 + 20 + teams.Count, $"{books.Commits} commits: the charges were not grouped.");
        foreach (var team in teams)
        {
            var (used, logged) = BooksTestKit.UsedAndLogged(path, team.Id);
            Assert.Equal(logged, used);
            Assert.Equal(used, ledger[team.Id]);
        }

        // Every token charged is accounted for: in the current epochs or in a recorded reset.
        Assert.Equal(
            BooksTestKit.Scalar(path, "SELECT sum(total_tokens) FROM request_log"),
            BooksTestKit.Scalar(path, "SELECT sum(used) FROM teams") + BooksTestKit.Scalar(path, "SELECT sum(used_before) FROM usage_resets"));
    }

    [Fact]
    public async Task Charge_Callbacks_RunInCommitOrderBeforeTheTasksComplete()
    {
        var path = _dir.File("books.db");
        await using var books = await BooksTestKit.OpenAsync(path);
        var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        var order = new List<string>();
        var charges = new List<Task>();

        for (var i = 0; i < 200; i++)
        {
            var name = $"charge-{i}";
            charges.Add(books.ChargeAsync(BooksTestKit.Record(team.Id, 1, requestId: name), () => order.Add(name)).AsTask());
            if (i == 100)
            {
                charges.Add(books.ResetUsageAsync(team.Id, ResetReason.Manual("test"), _ => order.Add("reset")));
            }
        }

        var last = books.ChargeAsync(BooksTestKit.Record(team.Id, 1, requestId: "last"), () => order.Add("last"));
        await last;

        // Once the last charge completed, every earlier callback had run, in queue order.
        var expected = Enumerable.Range(0, 200).Select(i => $"charge-{i}").ToList();
        expected.Insert(101, "reset");
        expected.Add("last");
        Assert.Equal(expected, order);
        await Task.WhenAll(charges);
        Assert.Equal(99 + 1, (await books.GetTeamAsync(team.Id, CancellationToken.None))!.Used);
    }

    [Fact]
    public async Task Charge_DuplicateRequestIdInTheSameBatch_IsRejectedAloneAndCountedOnce()
    {
        var path = _dir.File("books.db");
        await using var books = BooksTestKit.Create(path);
        var team = books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        var callbacks = 0;
        var first = books.ChargeAsync(BooksTestKit.Record(1, 10, requestId: "same"), () => callbacks++).AsTask();
        var duplicate = books.ChargeAsync(BooksTestKit.Record(1, 10, requestId: "same"), () => callbacks++).AsTask();
        var other = books.ChargeAsync(BooksTestKit.Record(1, 5), () => callbacks++).AsTask();

        await books.MigrateAsync(CancellationToken.None);
        await team;
        await first;
        var error = await Assert.ThrowsAsync<ChargeRejectedException>(() => duplicate);
        await other;

        Assert.Equal("same", error.RequestId);
        Assert.Equal(2, callbacks);
        Assert.Equal(1, books.Commits);
        Assert.Equal((15, 15), BooksTestKit.UsedAndLogged(path, 1));
    }

    [Fact]
    public async Task Charge_UnknownTeam_IsRejectedWithoutFailingTheOthers()
    {
        var path = _dir.File("books.db");
        await using var books = await BooksTestKit.OpenAsync(path);
        var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);

        var unknown = books.ChargeAsync(BooksTestKit.Record(999, 10)).AsTask();
        var known = books.ChargeAsync(BooksTestKit.Record(team.Id, 10)).AsTask();

        await Assert.ThrowsAsync<ChargeRejectedException>(() => unknown);
        await known;
        Assert.Equal(1, BooksTestKit.Scalar(path, "SELECT count(*) FROM request_log"));
    }

    [Fact]
    public async Task Charge_RowTheDatabaseRefuses_FailsAloneAndTheRestOfTheBatchCommits()
    {
        var path = _dir.File("books.db");
        await using (var setup = await BooksTestKit.OpenAsync(path))
        {
            await setup.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        }

        using (var connection = BooksTestKit.Connect(path))
        using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                CREATE TRIGGER refuse_poison BEFORE INSERT ON request_log WHEN NEW.request_id = 'poison'
                BEGIN SELECT RAISE(ABORT, 'refused by test'); END
                """;
            command.ExecuteNonQuery();
        }

        await using var books = BooksTestKit.Create(path);
        var before = books.ChargeAsync(BooksTestKit.Record(1, 3)).AsTask();
        var poison = books.ChargeAsync(BooksTestKit.Record(1, 100, requestId: "poison")).AsTask();
        var after = books.ChargeAsync(BooksTestKit.Record(1, 4)).AsTask();
        await books.MigrateAsync(CancellationToken.None);

        await before;
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => poison);
        await after;
        Assert.Equal((7, 7), BooksTestKit.UsedAndLogged(path, 1));
        Assert.True(books.IsWritable);
    }

    [Fact]
    public async Task Charge_ThrowingCallback_DoesNotStopTheWriter()
    {
        var path = _dir.File("books.db");
        var logger = new ListLogger<SqliteBooks>();
        await using var books = await BooksTestKit.OpenAsync(path, logger: logger);
        var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);

        await books.ChargeAsync(BooksTestKit.Record(team.Id, 1), () => throw new InvalidOperationException("boom"));
        await books.ChargeAsync(BooksTestKit.Record(team.Id, 1));

        Assert.Equal(2, (await books.GetTeamAsync(team.Id, CancellationToken.None))!.Used);
        Assert.Contains(logger.Entries, e => e.Id.Id == 304);
    }

    [Fact]
    public async Task Dispose_WithChargesQueued_WritesThemAllFirst()
    {
        var path = _dir.File("books.db");
        var books = await BooksTestKit.OpenAsync(path);
        var team = await books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        var charges = Enumerable.Range(0, 2000).Select(_ => books.ChargeAsync(BooksTestKit.Record(team.Id, 1)).AsTask()).ToList();

        await books.DisposeAsync();

        Assert.All(charges, c => Assert.True(c.IsCompletedSuccessfully));
        Assert.Equal(2000, BooksTestKit.Scalar(path, "SELECT used FROM teams"));
        Assert.Equal(2000, BooksTestKit.Scalar(path, "SELECT count(*) FROM request_log"));
        Assert.Throws<ObjectDisposedException>(() => books.ChargeAsync(BooksTestKit.Record(team.Id, 1)));
    }

    [Fact]
    public async Task Charge_InvalidRecord_IsRefusedOnTheCaller()
    {
        var path = _dir.File("books.db");
        await using var books = await BooksTestKit.OpenAsync(path);

        Assert.Throws<ArgumentOutOfRangeException>(() => books.ChargeAsync(BooksTestKit.Record(1, -5)));
        Assert.Throws<ArgumentException>(() => books.ChargeAsync(BooksTestKit.Record(1, 5, requestId: "")));
    }
}
