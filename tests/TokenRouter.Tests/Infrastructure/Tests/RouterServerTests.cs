using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OpenAI.Chat;

namespace TokenRouter.Tests.Infrastructure.Tests;

/// <summary>The router fixture end to end: a real TokenRouter in-process, in front of the fake upstream.</summary>
public sealed class RouterServerTests : IAsyncLifetime
{
    private RouterFixture _env = null!;

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    public async Task InitializeAsync() => _env = await RouterFixture.StartAsync();

    private static object Chat(string content = "hi") =>
        new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content } } };

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task StartAsync_ListensOnLoopbackWithItsDatabaseInATempDirectory()
    {
        var team = await Router.CreateTeamDirectAsync("t", 100);
        using var client = Router.CreateClient(team.Token);

        using var models = await client.GetAsync("v1/models");

        Assert.StartsWith("http://127.0.0.1:", Router.BaseUrl);
        Assert.True(File.Exists(Router.DatabasePath));
        Assert.StartsWith(Path.GetTempPath(), Router.DataDirectory);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
    }

    [Fact]
    public async Task DirectTeam_ChatRequest_ReachesUpstreamWithTheProviderKeyAndIsCharged()
    {
        var team = await Router.CreateTeamDirectAsync("alpha", 1_000);
        using var client = Router.CreateClient(team.Token);

        using var response = await client.PostAsJsonAsync("v1/chat/completions", Chat());
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(18, (long)body["usage"]!["total_tokens"]!);
        var upstreamRequest = Assert.Single(Upstream.Requests);
        Assert.Equal("Bearer " + RouterServer.ProviderApiKey, upstreamRequest.Header("Authorization"));
        Assert.DoesNotContain(team.Token, string.Join('\n', upstreamRequest.Headers.Select(h => $"{h.Key}: {h.Value}")));
        Assert.DoesNotContain(team.Token, upstreamRequest.BodyText);
        var row = Assert.Single(await Router.WaitForLogRowsAsync(team.Id, 1));
        Assert.Equal(18, row.TotalTokens);
        Assert.Equal(18, Router.UsedTokens(team.Id));
    }

    [Fact]
    public async Task OfficialSdk_StreamingChat_ThroughTheRouter_ReadsTextAndUsage()
    {
        var team = await Router.CreateTeamDirectAsync("beta", 1_000);
        var chat = OpenAIClients.Chat(Router, team.Token);
        var text = "";
        ChatTokenUsage? usage = null;

        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            text += string.Concat(update.ContentUpdate.Select(p => p.Text));
            usage ??= update.Usage;
        }

        Assert.Equal("Hello from the fake upstream.", text);
        Assert.Equal(18, usage!.TotalTokenCount);
        await Router.WaitForLogRowsAsync(team.Id, 1);
        Assert.Equal(18, Router.UsedTokens(team.Id));
    }

    [Fact]
    public async Task SeedUsage_FillsTheQuota_NextRequestIsRefusedBeforeTheUpstream()
    {
        var team = await Router.CreateTeamDirectAsync("gamma", 100);
        await Router.SeedUsageAsync(team.Id, 100);
        using var client = Router.CreateClient(team.Token);

        using var response = await client.PostAsJsonAsync("v1/chat/completions", Chat());
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("insufficient_quota", (string?)error["code"]);
        Assert.Empty(Upstream.Requests);
        Assert.Equal(100, Router.UsedTokens(team.Id));
        Assert.Equal(100, (await Router.GetStoredTeamAsync(team.Id))!.Used);
    }

    [Fact]
    public async Task Logs_CaptureTheRequestLine_WithoutTokenOrProviderKey()
    {
        var team = await Router.CreateTeamDirectAsync("delta", 1_000);
        using var client = Router.CreateClient(team.Token);

        using var response = await client.PostAsJsonAsync("v1/chat/completions", Chat());
        await Router.WaitForLogRowsAsync(team.Id, 1);
        await Router.Logs.WaitForAsync(
            l => l.Category.StartsWith("TokenRouter", StringComparison.Ordinal) && l.Message.Contains("delta"),
            "the request line");

        Assert.False(Router.Logs.Contains(team.Token));
        Assert.False(Router.Logs.Contains(team.Token[TokenRouter.Proxy.TeamTokens.Prefix.Length..]));
        Assert.False(Router.Logs.Contains(RouterServer.ProviderApiKey));
    }

    [Fact]
    public async Task DataFilesContain_FindsWhatTheDatabaseHolds()
    {
        var team = await Router.CreateTeamDirectAsync("team-name-in-the-database", 1_000);

        Assert.True(Router.DataFilesContain("team-name-in-the-database"));
        Assert.True(Router.DataFilesContain(TokenRouter.Proxy.TeamTokens.Hash(team.Token)));
        Assert.False(Router.DataFilesContain(team.Token));
    }

    [Fact]
    public async Task CreateTeamAsync_ThroughTheAdminApi_GivesAWorkingToken()
    {
        var team = await Router.CreateTeamAsync("epsilon", 500);
        using var client = Router.CreateClient(team.Token);

        using var response = await client.GetAsync("v1/models");

        Assert.StartsWith(TokenRouter.Proxy.TeamTokens.Prefix, team.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("epsilon", (await Router.GetStoredTeamAsync(team.Id))!.Name);
    }

    [Fact]
    public async Task NodeChatStream_ThroughTheRouter_PrintsTextAndUsage()
    {
        var team = await Router.CreateTeamDirectAsync("zeta", 1_000);

        var result = await NodeScript.RunAsync(NodeScript.ChatStream, Router.BaseUrl, team.Token);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("Hello from the fake upstream.", (string?)result.Json["text"]);
        Assert.Equal(18, (long)result.Json["usage"]!["total_tokens"]!);
    }

    [Fact]
    public async Task DisposeAsync_StopsTheServerAndDeletesTheDataDirectory()
    {
        var env = await RouterFixture.StartAsync();
        var directory = env.Router.DataDirectory;
        var baseUrl = env.Router.BaseUrl;

        await env.DisposeAsync();

        Assert.False(Directory.Exists(directory));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(baseUrl + "/v1/models"));
    }
}
