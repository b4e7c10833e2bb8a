using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokenRouter.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenRouter.Tests.Reliability;

/// <summary>
/// Issue 6: a storage error never crashes the request path and never drops a usage record;
/// while the disk is gone, new requests get a clear 503 and /readyz says so; when it is back,
/// everything waiting is written and the gateway serves again on its own.
/// </summary>
public sealed class StorageOutageTests(ITestOutputHelper output)
{
    private const long TokensPerAnswer = 18;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task DiskUnwritable_NewRequestsGet503AndReadyzFails_NothingIsLost_AndItRecovers()
    {
        await using var env = await RouterFixture.StartAsync();
        var router = env.Router;
        var team = await router.CreateTeamDirectAsync("outage", 1_000_000);
        using var client = router.CreateClient(team.Token);
        for (var i = 0; i < 5; i++)
        {
            using var answer = await ChatAsync(client);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        Task<HttpResponseMessage> waiting;
        string refusedId;
        using (var outage = DiskOutage.Begin(router.DatabasePath))
        {
            output.WriteLine($"Storage taken away by: {outage.How}");

            // A request already let in is answered only once its charge is durable, so it waits.
            waiting = ChatAsync(client);
            await Eventually.UntilAsync(() => !router.Books.IsWritable, "the books to notice the failure", Patience);

            using var refused = await ChatAsync(client);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            var error = await ErrorOf(refused);
            Assert.Equal(("server_error", "service_unavailable"), (Text(error, "type"), Text(error, "code")));
            refusedId = refused.Headers.GetValues("x-request-id").Single();

            using var ready = await router.Http.GetAsync("readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("failing", (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("database").GetString());
            Assert.Equal(HttpStatusCode.OK, (await router.Http.GetAsync("healthz")).StatusCode);

            Assert.False(waiting.IsCompleted, "A response went out before its charge was durable.");
            await router.Logs.WaitForAsync(
                l => l.EventId.Id == 301 && l.Level == LogLevel.Warning, "the storage failure warning", Patience);
            Assert.Contains(router.Logs.Lines, l => l.EventId.Id == 1007 && l.Level == LogLevel.Warning);
        }

        // The disk is back: the waiting charge is written, its client answered, and new requests served.
        using (var answered = await waiting.WaitAsync(Patience))
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }

        await Eventually.UntilAsync(() => router.Books.IsWritable, "the books to recover", Patience);
        Assert.Equal(HttpStatusCode.OK, (await router.Http.GetAsync("readyz")).StatusCode);
        using (var after = await ChatAsync(client))
        {
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }

        await router.Logs.WaitForAsync(l => l.EventId.Id == 302, "storage recovered", Patience);
        var books = new BooksFile(router.DatabasePath);
        Assert.Equal("ok", books.IntegrityCheck());
        var rows = books.Requests(team.Id);
        Assert.Equal(7, rows.Count);
        Assert.DoesNotContain(refusedId, rows.Keys);
        Assert.Equal((7 * TokensPerAnswer, 7 * TokensPerAnswer), books.UsedAndLogged(team.Id));
        Assert.Equal(7 * TokensPerAnswer, router.UsedTokens(team.Id));
    }

    [Fact]
    public async Task DiskUnwritable_ModelsUsageAndBillingAnswerFromMemory_AndTheirRowsAreWrittenOnRecovery()
    {
        await using var env = await RouterFixture.StartAsync();
        var router = env.Router;
        var team = await router.CreateTeamDirectAsync("reader", 1_000_000);
        using var client = router.CreateClient(team.Token);
        string[] paths =
        [
            "v1/models", "v1/models/gpt-4o-mini", "v1/usage", "v1/dashboard/billing/subscription",
            "v1/dashboard/billing/usage",
        ];

        using (var outage = DiskOutage.Begin(router.DatabasePath))
        {
            output.WriteLine($"Storage taken away by: {outage.How}");
            foreach (var path in paths)
            {
                // Before the fix each of these waited for its zero-token row for as long as the outage lasted.
                using var answer = await client.GetAsync(path).WaitAsync(TimeSpan.FromSeconds(20));
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            }

            await Eventually.UntilAsync(() => !router.Books.IsWritable, "the books to notice the failure", Patience);
        }

        await Eventually.UntilAsync(() => router.Books.IsWritable, "the books to recover", Patience);
        await Eventually.UntilAsync(
            () => new BooksFile(router.DatabasePath).Requests(team.Id).Count == paths.Length,
            "the queued rows to be written", Patience);
    }

    private static Task<HttpResponseMessage> ChatAsync(HttpClient client) =>
        client.PostAsJsonAsync("v1/chat/completions", new
        {
            model = "gpt-4o-mini",
            messages = new[] { new { role = "user", content = "Hello" } },
        });

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

    private static string? Text(JsonElement error, string name) => error.GetProperty(name).GetString();
}
