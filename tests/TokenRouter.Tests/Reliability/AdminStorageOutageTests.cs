using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokenRouter.Tests.Cli;
using TokenRouter.Tests.Config;
using TokenRouter.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenRouter.Tests.Reliability;

/// <summary>
/// Issue 6: while the database cannot be written, admin changes and the team command do not
/// hang; they get a 503 API error (the command a one-line message and exit code 1), nothing
/// is changed, and changes work again once storage is back.
/// </summary>
public sealed class AdminStorageOutageTests(ITestOutputHelper output)
{
    // Far above the books' bounded wait (ChangeTimeout plus one retry): only a hang runs into it.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AdminWritesAndTeamCommand_DiskUnwritable_Get503AndChangeNothing_ThenWorkAgain()
    {
        await using var env = await RouterFixture.StartAsync();
        var router = env.Router;
        using var admin = router.CreateAdminClient();
        var team = await router.CreateTeamAsync("steady", 1_000);
        using var folder = new TempFolder();
        var envFile = folder.Write(".env", $"ADMIN_PASSWORD={RouterServer.AdminPassword}\n");

        using (var outage = DiskOutage.Begin(router.DatabasePath))
        {
            output.WriteLine($"Storage taken away by: {outage.How}");

            // The first change meets the failure and waits a bounded time; the rest are refused at once.
            await AssertUnavailable(admin.PostAsJsonAsync("admin/api/teams", new { name = "new", quota = 10 }));
            await AssertUnavailable(admin.PatchAsJsonAsync($"admin/api/teams/{team.Id}", new { quota = 5 }));
            await AssertUnavailable(admin.PostAsync($"admin/api/teams/{team.Id}/reset", null));
            await AssertUnavailable(admin.PostAsync($"admin/api/teams/{team.Id}/rotate", null));
            await AssertUnavailable(admin.DeleteAsync($"admin/api/teams/{team.Id}"));

            string[] create = ["team", "create", "cli", "--quota", "10", "--url", router.BaseUrl, "--env-file", envFile];
            var cli = await CliRun.RunAsync(create).WaitAsync(Patience);
            Assert.Equal(1, cli.ExitCode);
            Assert.Matches("^error: TokenRouter cannot use its database right now.* \\(503 Service Unavailable\\)$",
                Assert.Single(cli.ErrorLines));
            Assert.Contains(router.Logs.Lines, l => l.EventId.Id == 5015 && l.Level == LogLevel.Warning);
        }

        await Eventually.UntilAsync(() => router.Books.IsWritable, "the books to recover", Patience);
        using var created = await admin.PostAsJsonAsync("admin/api/teams", new { name = "after", quota = 10 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var teams = await admin.GetFromJsonAsync<JsonElement>("admin/api/teams");
        var stored = teams.GetProperty("data").EnumerateArray()
            .Select(t => (t.GetProperty("name").GetString(), t.GetProperty("quota").GetInt64())).ToList();
        Assert.Equal([("steady", 1_000L), ("after", 10L)], stored);
        var steady = await router.Books.GetTeamAsync(team.Id, CancellationToken.None);
        Assert.Equal(team.Token[..steady!.TokenPrefix.Length], steady.TokenPrefix);
    }

    private static async Task AssertUnavailable(Task<HttpResponseMessage> sending)
    {
        using var response = await sending.WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("service_unavailable", error.GetProperty("code").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
    }
}
