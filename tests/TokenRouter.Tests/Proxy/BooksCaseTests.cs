using System.Text.Json.Nodes;
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
    public async Task C11_TokenIsShownOnceOnly_NowhereInTheFilesLogsRowsOrAdminAnswers()
    {
        // Created and rotated through the admin API, as an admin would.
        using var admin = Router.CreateAdminClient();
        var name = UniqueName("c11");
        using var created = await admin.PostAsync(
            "admin/api/teams", Json($$"""{"name":"{{name}}","quota":100000}"""));
        var createdText = await created.Content.ReadAsStringAsync();
        var first = JsonNode.Parse(createdText)!;
        var teamId = (long)first["id"]!;
        var token = (string)first["token"]!;
        using (var client = Router.CreateClient(token))
        using (var byApiKey = ClientWith(Router, "api-key", token))
        {
            await SpendAsync(client, byApiKey);
        }

        using var rotated = await admin.PostAsync($"admin/api/teams/{teamId}/rotate", null);
        var rotatedText = await rotated.Content.ReadAsStringAsync();
        var newToken = (string)JsonNode.Parse(rotatedText)!["token"]!;
        using var oldTokenClient = Router.CreateClient(token);
        using var oldTokenRefused = await PostAsync(oldTokenClient, "v1/chat/completions", ChatBody("hi"));
        using (var client = Router.CreateClient(newToken))
        using (var byApiKey = ClientWith(Router, "api-key", newToken))
        {
            await SpendAsync(client, byApiKey);
        }

        // A wrong token that shares all but the last characters must not be echoed either.
        using var near = ClientWith(Router, "x-api-key", newToken[..^6] + "ZZZZZZ");
        using var nearRefused = await PostAsync(near, "v1/chat/completions", ChatBody("hi"));
        // Two rounds of six requests, each with its row: four proxied, /v1/models and /v1/usage.
        await Router.WaitForLogRowsAsync(teamId, 12);

        var adminAnswers = new List<string>();
        foreach (var path in new[]
        {
            "admin/api/teams", $"admin/api/teams/{teamId}", $"admin/api/teams/{teamId}/resets",
            $"admin/api/logs?team_id={teamId}&limit=500", $"admin/api/logs.csv?team_id={teamId}",
            $"admin/api/usage?team_id={teamId}", "admin/api/usage?bucket=hour", "admin/api/settings",
        })
        {
            using var answer = await admin.GetAsync(path);
            Assert.True(answer.IsSuccessStatusCode, $"GET {path}: {(int)answer.StatusCode}");
            adminAnswers.Add(await answer.Content.ReadAsStringAsync());
        }

        Assert.Equal(401, (int)oldTokenRefused.StatusCode);
        Assert.Equal(401, (int)nearRefused.StatusCode);
        var refusals = await oldTokenRefused.Content.ReadAsStringAsync() + await nearRefused.Content.ReadAsStringAsync();
        var rows = await Router.LogRowsAsync(teamId);
        Assert.Equal(12, rows.Count);
        foreach (var secret in new[] { token, newToken }.Select(t => t[TeamTokens.Prefix.Length..]))
        {
            // Any 12 characters of the random part would identify the token.
            foreach (var piece in new[] { secret, secret[..12], secret[^12..] })
            {
                Assert.False(Router.DataFilesContain(piece), "a database file holds the token");
                Assert.False(Router.Logs.Contains(piece), "the log output holds the token");
                Assert.DoesNotContain(rows, r => RowText(r).Contains(piece, StringComparison.Ordinal));
                Assert.DoesNotContain(adminAnswers, a => a.Contains(piece, StringComparison.Ordinal));
                Assert.DoesNotContain(piece, refusals, StringComparison.Ordinal);
                Assert.All(Upstream.Requests, r =>
                    Assert.DoesNotContain(r.Headers, h => h.Value.ToString().Contains(piece, StringComparison.Ordinal)));
            }
        }

        // The one place each token appears: the answer that created or rotated it.
        Assert.Contains(token, createdText, StringComparison.Ordinal);
        Assert.DoesNotContain(token, rotatedText, StringComparison.Ordinal);
        Assert.Contains(newToken, rotatedText, StringComparison.Ordinal);
        Assert.True(Router.DataFilesContain(TeamTokens.Hash(newToken)));
        Assert.Equal(TeamTokens.DisplayPrefix(newToken), (await Router.GetStoredTeamAsync(teamId))!.TokenPrefix);
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
        using var admin = Router.CreateAdminClient();
        var polls = new List<int>();
        var polling = Task.Run(async () =>
        {
            // The admin panel's usage and log pages, read every 100 ms while the writer is busy.
            while (!stopPolling.IsCancellationRequested)
            {
                using var usage = await admin.GetAsync($"admin/api/usage?team_id={team.Id}&bucket=hour");
                using var logs = await admin.GetAsync($"admin/api/logs?team_id={team.Id}&limit=50");
                polls.Add((int)usage.StatusCode);
                polls.Add((int)logs.StatusCode);
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
        var usageAfter = JsonNode.Parse(await admin.GetStringAsync($"admin/api/usage?team_id={team.Id}"))!;
        Assert.Equal(2_000, (long)usageAfter["totals"]!["today"]!);
        Assert.NotEmpty(polls);
        Assert.All(polls, status => Assert.Equal(200, status));
        Assert.DoesNotContain(Router.Logs.Lines, l => l.Level >= LogLevel.Warning);
    }

    /// <summary>Uses a token every way a team can: chat, stream, another endpoint, another header, a refusal, the reads.</summary>
    private static async Task SpendAsync(HttpClient client, HttpClient byApiKey)
    {
        using (await PostAsync(client, "v1/chat/completions", ChatBody("hi")))
        using (await PostAsync(client, "v1/chat/completions", ChatBody("hi", stream: true)))
        using (await PostAsync(byApiKey, "v1/embeddings", """{"model":"text-embedding-3-small","input":"x"}"""))
        using (await PostAsync(client, "v1/chat/completions", ChatBody("hi", model: "nope")))
        using (await client.GetAsync("v1/models"))
        using (await client.GetAsync("v1/usage"))
        {
        }
    }

    private static string RowText(UsageRecord row) =>
        string.Join('|', row.RequestId, row.Model, row.Endpoint, row.UpstreamRequestId, row.ErrorType, row.EndUser);
}
