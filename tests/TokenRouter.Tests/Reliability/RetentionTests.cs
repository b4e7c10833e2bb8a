using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using TokenRouter.Storage;
using TokenRouter.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenRouter.Tests.Reliability;

/// <summary>
/// Issue 6, log retention: rows older than LOG_RETENTION_DAYS go, in small batches, while
/// requests keep being charged; the usage they carried stays; and a database that sees a
/// steady flow of requests stays about the same size instead of growing for ever.
/// </summary>
public sealed class RetentionTests(ITestOutputHelper output)
{
    private const int RetentionDays = 30;
    private const int RowsPerMonth = 3000;
    private const int LiveRequests = 10;
    private const long SeedTokens = 5;
    private const long TokensPerAnswer = 18;

    [Fact]
    public async Task Retention_MonthsOfTraffic_PrunesOldRowsBesideLiveRequests_AndTheFileStopsGrowing()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var env = await RouterFixture.StartAsync(s => s with { LogRetentionDays = RetentionDays }, clock);
        var router = env.Router;
        var team = await router.CreateTeamDirectAsync("retention", 1_000_000_000);
        using var client = router.CreateClient(team.Token);
        var books = new BooksFile(router.DatabasePath);
        Assert.Equal(2, books.Scalar("PRAGMA auto_vacuum")); // incremental: freed pages go back to the disk

        var sizes = new List<long>();
        for (var month = 1; month <= 3; month++)
        {
            // A month of traffic: thousands of rows charged at the clock's "now", and a few real requests.
            await SeedAsync(router, team.Id, clock.GetUtcNow(), RowsPerMonth);
            await SendAsync(client, LiveRequests);
            var pagesBefore = books.Scalar("PRAGMA page_count");
            var cutoff = clock.GetUtcNow().AddDays(1);

            // A month later retention wakes up; requests go on meanwhile and none waits for it.
            clock.Advance(TimeSpan.FromDays(RetentionDays + 1));
            var slowest = await SendAsync(client, LiveRequests);
            await Eventually.UntilAsync(
                () => router.Logs.Lines.Count(l => l.EventId.Id == 310) >= month,
                $"retention to prune in month {month}",
                TimeSpan.FromSeconds(60));
            output.WriteLine($"month {month}: slowest live request {slowest.TotalMilliseconds:0} ms during retention");
            var prunedRows = RowsPerMonth + LiveRequests + (month > 1 ? LiveRequests : 0);
            Assert.Equal(prunedRows.ToString(), router.Logs.Lines.Last(l => l.EventId.Id == 310).Value("Count"));

            var old = books.Scalar($"SELECT count(*) FROM request_log WHERE started_at < {cutoff.ToUnixTimeMilliseconds()}");
            Assert.Equal(0, old);
            Assert.Equal(LiveRequests, books.Scalar("SELECT count(*) FROM request_log"));
            var expectedUsed = month * (RowsPerMonth * SeedTokens + 2 * LiveRequests * TokensPerAnswer);
            Assert.Equal((expectedUsed, expectedUsed), books.UsedAndLogged(team.Id));
            Assert.Equal(0, books.Scalar("PRAGMA freelist_count"));
            Assert.True(books.Scalar("PRAGMA page_count") < pagesBefore / 2, "The pruned rows' pages were not given back.");
            Assert.True(slowest < TimeSpan.FromSeconds(10), $"A live request waited {slowest} while retention ran.");

            // With the WAL folded in, this is what the file weighs on disk after a month.
            Assert.Equal(0, books.Scalar("PRAGMA wal_checkpoint(TRUNCATE)"));
            sizes.Add(new FileInfo(router.DatabasePath).Length);
        }

        output.WriteLine($"database file after each month: {string.Join(", ", sizes)} bytes");
        Assert.True(sizes[2] <= sizes[0] + 64 * 1024, $"The file keeps growing: {string.Join(", ", sizes)} bytes.");
    }

    /// <summary>Charges <paramref name="rows"/> small requests straight into the books, as if they had happened.</summary>
    private static async Task SeedAsync(RouterServer router, long teamId, DateTimeOffset at, int rows)
    {
        var account = router.Account(teamId);
        var charges = Enumerable.Range(0, rows).Select(i => router.Books.ChargeAsync(
            new UsageRecord
            {
                RequestId = Guid.CreateVersion7().ToString("N"),
                StartedAt = at.AddMilliseconds(i),
                TeamId = teamId,
                Model = "gpt-4o-mini",
                Endpoint = "/v1/chat/completions",
                Stream = false,
                Status = 200,
                PromptTokens = 2,
                CompletionTokens = SeedTokens - 2,
                TotalTokens = SeedTokens,
                DurationMs = 100,
            },
            () => account.Settle(0, SeedTokens)).AsTask());
        await Task.WhenAll(charges);
    }

    /// <summary>Sends requests one after another; returns the slowest one's time.</summary>
    private static async Task<TimeSpan> SendAsync(HttpClient client, int count)
    {
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.PostAsJsonAsync("v1/chat/completions", new
            {
                model = "gpt-4o-mini",
                messages = new[] { new { role = "user", content = "Hello" } },
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
        }

        return slowest;
    }
}
