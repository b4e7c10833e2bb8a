using Microsoft.Extensions.Time.Testing;
using TokenRouter.Storage;

namespace TokenRouter.Tests.Storage;

public sealed class SqliteBooksQueryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = BooksTestKit.Start;

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new(Now);
    private SqliteBooks _books = null!;
    private Team _alpha = null!;
    private Team _beta = null!;

    public async Task InitializeAsync()
    {
        _books = await BooksTestKit.OpenAsync(_dir.File("books.db"), _clock);
        _alpha = await _books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        _beta = await _books.CreateTeamAsync(BooksTestKit.NewTeam("beta"), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _books.DisposeAsync();
        _dir.Dispose();
    }

    private Task Charge(Team team, long tokens, DateTimeOffset at, string model = "GPT-5-mini", int status = 200, string? id = null) =>
        _books.ChargeAsync(BooksTestKit.Record(team.Id, tokens, id, at, model, status)).AsTask();

    [Fact]
    public async Task QueryLogs_Filters_ReturnMatchingRowsNewestFirstWithTheTotal()
    {
        for (var i = 0; i < 30; i++)
        {
            await Charge(i % 3 == 0 ? _beta : _alpha, 10, Now.AddMinutes(-i), i % 2 == 0 ? "GPT-5-mini" : "GPT-5-nano",
                i % 5 == 0 ? 502 : 200, id: $"r{i:00}");
        }

        var alpha = await _books.QueryLogsAsync(new LogQuery { TeamId = _alpha.Id, Limit = 5 }, CancellationToken.None);
        var nanoErrors = await _books.QueryLogsAsync(new LogQuery { Model = "GPT-5-nano", Status = 502 }, CancellationToken.None);
        var window = await _books.QueryLogsAsync(
            new LogQuery { From = Now.AddMinutes(-9), To = Now.AddMinutes(-4), Limit = 2, Offset = 2 }, CancellationToken.None);

        Assert.Equal(20, alpha.Total);
        Assert.Equal(["r01", "r02", "r04", "r05", "r07"], alpha.Items.Select(e => e.Record.RequestId));
        Assert.All(alpha.Items, e => Assert.Equal("alpha", e.TeamName));
        Assert.Equal(["r05", "r15", "r25"], nanoErrors.Items.Select(e => e.Record.RequestId));
        Assert.Equal(3, nanoErrors.Total);
        Assert.Equal(5, window.Total);
        Assert.Equal(["r07", "r08"], window.Items.Select(e => e.Record.RequestId));
    }

    [Fact]
    public async Task QueryLogs_PageTooLarge_IsRefused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => _books.QueryLogsAsync(new LogQuery { Limit = 10_001 }, CancellationToken.None));
    }

    [Fact]
    public async Task SummarizeUsage_AllTeams_TotalsSeriesAndBreakdowns()
    {
        // Now is 12:00 UTC on the 10th: today has 100 + 7, the week adds 50 (3 days ago), the
        // month adds 1000 (20 days ago); 40 days ago is outside everything.
        await Charge(_alpha, 100, Now.AddHours(-1));
        await Charge(_beta, 7, Now.AddHours(-11).AddMinutes(-30), model: "GPT-5-nano", status: 500);
        await Charge(_alpha, 50, Now.AddDays(-3));
        await Charge(_beta, 1000, Now.AddDays(-20));
        await Charge(_alpha, 99999, Now.AddDays(-40));

        var summary = await _books.SummarizeUsageAsync(new UsageQuery { Bucket = UsageBucket.Day }, CancellationToken.None);

        Assert.Equal(new UsageTotals(2, 1, 53, 54, 107), summary.Today);
        Assert.Equal(157, summary.Last7Days.TotalTokens);
        Assert.Equal(4, summary.Last30Days.Requests);
        Assert.Equal(1157, summary.Last30Days.TotalTokens);

        // Day buckets from the start of the day 30 days ago to the end of today.
        Assert.Equal(31, summary.Series.Count);
        Assert.Equal(new DateTimeOffset(2025, 2, 8, 0, 0, 0, TimeSpan.Zero), summary.From);
        Assert.Equal(new DateTimeOffset(2025, 3, 11, 0, 0, 0, TimeSpan.Zero), summary.To);
        Assert.Equal(new UsagePoint(new DateTimeOffset(2025, 3, 10, 0, 0, 0, TimeSpan.Zero), 2, 107), summary.Series[^1]);
        Assert.Equal(50, summary.Series[^4].TotalTokens);
        Assert.Equal(1157, summary.Series.Sum(p => p.TotalTokens));

        Assert.Equal(["GPT-5-mini", "GPT-5-nano"], summary.ByModel.Select(m => m.Model));
        Assert.Equal(1150, summary.ByModel[0].TotalTokens);
        Assert.Equal([("beta", 1007L), ("alpha", 150L)], summary.ByTeam.Select(t => (t.TeamName, t.TotalTokens)));
    }

    [Fact]
    public async Task SummarizeUsage_OneTeamInHours_OnlyThatTeamInLocalHours()
    {
        await Charge(_alpha, 100, Now.AddMinutes(-20));
        await Charge(_alpha, 5, Now.AddMinutes(-50));
        await Charge(_beta, 7, Now.AddMinutes(-10));
        var kolkata = TimeZoneInfo.CreateCustomTimeZone("test/+0530", TimeSpan.FromMinutes(330), "+05:30", "+05:30");

        var summary = await _books.SummarizeUsageAsync(new UsageQuery
        {
            TeamId = _alpha.Id,
            Bucket = UsageBucket.Hour,
            From = Now.AddHours(-3),
            To = Now,
            TimeZone = kolkata,
        }, CancellationToken.None);

        // Local hours start at half past the UTC hour: 11:30-12:30 UTC holds the -20 min charge,
        // 10:30-11:30 the -50 min one.
        Assert.Equal(new DateTimeOffset(2025, 3, 10, 8, 30, 0, TimeSpan.Zero), summary.From);
        Assert.Equal(new DateTimeOffset(2025, 3, 10, 12, 30, 0, TimeSpan.Zero), summary.To);
        Assert.Equal([0L, 0L, 5L, 100L], summary.Series.Select(p => p.TotalTokens));
        Assert.Equal(105, summary.Today.TotalTokens);
        Assert.Equal([_alpha.Id], summary.ByTeam.Select(t => t.TeamId));
    }

    [Fact]
    public async Task SummarizeUsage_TooManyBuckets_IsRefused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _books.SummarizeUsageAsync(
            new UsageQuery { Bucket = UsageBucket.Hour, From = Now.AddDays(-365), To = Now }, CancellationToken.None));
    }

    [Fact]
    public void UsageCalendar_DaylightSavingDay_HasTwentyThreeHours()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

        var days = UsageCalendar.Buckets(
            new DateTimeOffset(2025, 3, 29, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 3, 31, 0, 0, 0, TimeSpan.Zero),
            UsageBucket.Day, berlin);

        Assert.Equal(new DateTimeOffset(2025, 3, 28, 23, 0, 0, TimeSpan.Zero), days[0]);
        Assert.Equal(new DateTimeOffset(2025, 3, 29, 23, 0, 0, TimeSpan.Zero), days[1]);
        Assert.Equal(TimeSpan.FromHours(23), days[2] - days[1]);
    }
}
