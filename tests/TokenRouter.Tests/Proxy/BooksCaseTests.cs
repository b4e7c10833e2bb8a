using System.Text;
using TokenRouter.Proxy;
using TokenRouter.Storage;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Proxy;

/// <summary>C11 (the token is never kept in the clear) and C12 (many writers, exact books).</summary>
public sealed class BooksCaseTests : IClassFixture<ProxyFixture>
{
    private readonly ProxyFixture _env;

    public BooksCaseTests(ProxyFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Fact]
    public async Task C11_TokenInUse_IsNowhereInTheDatabaseFilesTheLogsOrTheLogRows()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c11"), 100_000);
        using var client = Router.CreateClient(team.Token);
        using var byApiKey = ClientWith(Router, "api-key", team.Token);
        using (await PostAsync(client, "v1/chat/completions", ChatBody("hi")))
        using (await PostAsync(client, "v1/chat/completions", ChatBody("hi", stream: true)))
        using (await PostAsync(byApiKey, "v1/embeddings", """{"model":"text-embedding-3-small","input":"x"}"""))
        using (await PostAsync(client, "v1/chat/completions", ChatBody("hi", model: "nope")))
        using (await client.GetAsync("v1/models"))
        using (await client.GetAsync("v1/usage"))
        {
        }

        // A wrong token that shares the team token's first 40 characters must not echo them either.
        using var near = ClientWith(Router, "x-api-key", team.Token[..^6] + "ZZZZZZ");
        using var refused = await PostAsync(near, "v1/chat/completions", ChatBody("hi"));
        var refusal = await refused.Content.ReadAsStringAsync();

        var rows = await Router.WaitForLogRowsAsync(team.Id, 4);
        var secret = team.Token[TeamTokens.Prefix.Length..];
        var hash = TeamTokens.Hash(team.Token);

        // Every file the database keeps (main, WAL, shared memory), read while the server runs.
        var files = Directory.GetFiles(Router.DataDirectory).Select(ReadShared).ToList();
        var everything = files.SelectMany(b => b).ToArray();
        Assert.Equal(-1, everything.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)));
        Assert.Equal(-1, everything.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret[^12..])));
        Assert.NotEqual(-1, everything.AsSpan().IndexOf(Encoding.ASCII.GetBytes(hash)));
        Assert.Equal(TeamTokens.DisplayPrefix(team.Token), (await Router.GetStoredTeamAsync(team.Id))!.TokenPrefix);
        Assert.Equal(10, TeamTokens.DisplayPrefix(team.Token).Length);

        Assert.False(Router.Logs.Contains(secret));
        Assert.False(Router.Logs.Contains(secret[^12..]));
        Assert.DoesNotContain(rows, r => RowText(r).Contains(secret[^12..], StringComparison.Ordinal));
        Assert.DoesNotContain(secret[..12], refusal, StringComparison.Ordinal);
        Assert.All(Upstream.Requests, r =>
            Assert.DoesNotContain(r.Headers, h => h.Value.ToString().Contains(secret, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task C12_TwoHundredConcurrentRequests_HalfStreaming_WhileTheBooksArePolled_AreChargedExactly()
    {
        const int requests = 200;
        var team = await Router.CreateTeamDirectAsync(UniqueName("c12"), 10_000_000);
        Upstream.On("chat/completions").Always(FakeResponse.Default.WithUsage(4, 6));
        Router.Logs.Clear();
        using var client = Router.CreateClient(team.Token);
        using var stopPolling = new CancellationTokenSource();
        var polls = 0;
        var polling = Task.Run(async () =>
        {
            // The admin panel's view of the books, read while the writer is busy.
            while (!stopPolling.IsCancellationRequested)
            {
                await Router.Books.QueryLogsAsync(new LogQuery { TeamId = team.Id, Limit = 50 }, CancellationToken.None);
                await Router.Books.SummarizeUsageAsync(new UsageQuery { TeamId = team.Id, Bucket = UsageBucket.Hour }, CancellationToken.None);
                polls++;
                await Task.Delay(100);
            }
        });

        var outcomes = await Task.WhenAll(Enumerable.Range(0, requests).Select(async i =>
        {
            var stream = i % 2 == 0;
            using var response = await PostStreamingAsync(client, "v1/chat/completions", ChatBody($"request {i}", stream: stream));
            var body = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, stream, body);
        }));
        await stopPolling.CancelAsync();
        await polling;

        Assert.All(outcomes, o => Assert.True(o.Item1 == 200, $"status {o.Item1}: {o.body}"));
        Assert.All(outcomes.Where(o => o.stream), o => Assert.EndsWith("data: [DONE]\n\n", o.body, StringComparison.Ordinal));
        var rows = await Router.WaitForLogRowsAsync(team.Id, requests);
        Assert.Equal(requests, rows.Count);
        Assert.Equal(requests, rows.Select(r => r.RequestId).Distinct().Count());
        Assert.All(rows, r => Assert.Equal((200, 10L, false), (r.Status, r.TotalTokens, r.Estimated)));
        Assert.Equal(requests / 2, rows.Count(r => r.Stream));
        await AssertUsedAsync(Router, team.Id, 2_000);
        var summary = await Router.Books.SummarizeUsageAsync(new UsageQuery { TeamId = team.Id }, CancellationToken.None);
        Assert.Equal((200L, 2_000L), (summary.Today.Requests, summary.Today.TotalTokens));
        Assert.True(polls > 0);
        Assert.DoesNotContain(Router.Logs.Lines, l => l.Level >= LogLevel.Warning);
    }

    private static byte[] ReadShared(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.ToArray();
    }

    private static string RowText(UsageRecord row) =>
        string.Join('|', row.RequestId, row.Model, row.Endpoint, row.UpstreamRequestId, row.ErrorType, row.EndUser);
}
