using System.Net;
using System.Net.Http.Json;
using System.Runtime.Versioning;
using System.Text.Json;
using TokenRouter.Tests.Config;
using TokenRouter.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenRouter.Tests.Reliability;

/// <summary>
/// Issue 6, "books that survive a crash": the process is killed with SIGKILL in the middle of
/// a load, and what the clients received is compared with what the database file holds.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class CrashSafetyTests(ITestOutputHelper output) : IAsyncLifetime
{
    // The fake upstream's default usage: 11 prompt + 7 completion tokens per answer.
    private const long TokensPerAnswer = 18;

    private readonly TempFolder _folder = new();
    private FakeUpstream _upstream = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _upstream.RequiredApiKey = RouterProcess.ProviderApiKey;

        // Streams take a little while, so some are always open when the process dies.
        _upstream.Defaults.ChunkDelay = TimeSpan.FromMilliseconds(5);
    }

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Sigkill_UnderLoad_EveryResponseReceivedInFullIsInTheBooks_AndTheBooksReopen()
    {
        var database = _folder.File("books.db");
        TestTeam team;
        IReadOnlyCollection<string> received;
        int sent;
        await using (var router = await RouterProcess.StartAsync(_folder.Path, database, _upstream.BaseUrl))
        {
            team = await router.CreateTeamAsync("crash", 1_000_000_000);
            await using var load = ChatLoad.Start(router.BaseUrl, team.Token, clients: 12);
            await load.WaitForReceivedAsync(150, RouterProcess.Patience);
            Assert.Empty(load.Failures);

            load.ExpectServerGone();
            router.Kill();
            await router.WaitForExitAsync(RouterProcess.Patience);
            await load.StopAsync();
            received = load.Received;
            sent = load.Sent;
            Assert.Empty(load.Failures);
        }

        // Killed mid-load: some requests were on their way when the process died.
        Assert.True(sent > received.Count, "Every request had been answered: the kill came between requests.");

        // What the file says, read with plain SQLite: sound, and every answer a client has is in it.
        var books = new BooksFile(database);
        Assert.Equal("ok", books.IntegrityCheck());
        var rows = books.Requests(team.Id);
        var missing = received.Where(id => !rows.ContainsKey(id)).ToList();
        Assert.True(missing.Count == 0,
            $"{missing.Count} of {received.Count} responses received in full have no log row, e.g. {missing.FirstOrDefault()}.");
        Assert.All(rows.Values, row => Assert.Equal((200, TokensPerAnswer), (row.Status, row.TotalTokens)));

        // Nothing counted twice: used is exactly the logged usage, one row per provider answer.
        var (used, logged) = books.UsedAndLogged(team.Id);
        Assert.Equal(logged, used);
        Assert.Equal(rows.Count * TokensPerAnswer, used);
        Assert.Equal(rows.Count, rows.Values.Select(r => r.UpstreamRequestId).Distinct().Count());
        Assert.InRange(rows.Count, received.Count, _upstream.RequestsTo("chat/completions").Count);
        output.WriteLine($"{sent} sent, {received.Count} received in full, {rows.Count} logged " +
            $"(charged before their last byte left), {_upstream.RequestsTo("chat/completions").Count} reached the upstream");

        // Restarted on the same file, it opens, knows the team's usage and serves.
        await using (var again = await RouterProcess.StartAsync(_folder.Path, database, _upstream.BaseUrl))
        {
            using var client = again.CreateClient(team.Token);
            var standing = await client.GetFromJsonAsync<JsonElement>("v1/usage");
            Assert.Equal(used, standing.GetProperty("used").GetInt64());

            using var answer = await client.PostAsJsonAsync("v1/chat/completions", new
            {
                model = "gpt-4o-mini",
                messages = new[] { new { role = "user", content = "Still there?" } },
            });
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);

            again.Terminate();
            Assert.Equal(0, await again.WaitForExitAsync(RouterProcess.Patience));
        }

        // Two more rows: the usage read, at no cost, and the chat answer after the restart.
        var after = new BooksFile(database);
        var added = after.Requests(team.Id).Values.Where(r => !rows.ContainsKey(r.RequestId)).ToList();
        Assert.Equal(2, added.Count);
        Assert.Equal(TokensPerAnswer, Assert.Single(added, r => r.TotalTokens > 0).TotalTokens);
        Assert.Equal((used + TokensPerAnswer, used + TokensPerAnswer), after.UsedAndLogged(team.Id));
    }
}
