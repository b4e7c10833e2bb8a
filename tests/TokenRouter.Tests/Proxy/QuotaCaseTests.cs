using System.Text.Json.Nodes;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Proxy;

/// <summary>C01 and C03: the quota holds on the very next request, streaming or not.</summary>
public sealed class QuotaCaseTests : IClassFixture<ProxyFixture>
{
    private const string Route = "/v1/chat/completions";
    private readonly ProxyFixture _env;

    public QuotaCaseTests(ProxyFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Fact]
    public async Task C01_OneRequestOvershootsTheQuota_OvershootIsRecorded_NextRequestRefusedBeforeTheUpstream()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c01"), 10);
        Upstream.On("chat/completions").Always(FakeResponse.Default.WithUsage(FakeUsage.OfTotal(50)));
        using var client = Router.CreateClient(team.Token);

        using var first = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));
        var usedAfterFirst = Router.UsedTokens(team.Id);
        using var second = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));

        Assert.Equal(200, (int)first.StatusCode);
        Assert.Equal(50, usedAfterFirst);
        await AssertOpenAIErrorAsync(
            second, 429,
            "Your team has used 50 of its 10 token quota. Ask your TokenRouter admin to raise the quota or reset the usage.",
            "insufficient_quota", null, "insufficient_quota");
        Assert.Single(Upstream.Requests);
        var rows = await RowsInOrderAsync(Router, team.Id, 2);
        Assert.Equal(new RowFacts(Route, "gpt-4o-mini", false, 200, 10, 40, 50), RowFacts.Of(rows[0]));
        Assert.Equal(new RowFacts(Route, "gpt-4o-mini", false, 429, 0, 0, 0, ErrorType: "insufficient_quota"), RowFacts.Of(rows[1]));
        await AssertUsedAsync(Router, team.Id, 50);
    }

    [Fact]
    public async Task C01_Streaming_ExhaustedTeamIsRefusedAsJson_NotAsAStream()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c01-stream"), 10);
        await Router.SeedUsageAsync(team.Id, 10);
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(client, "v1/chat/completions", ChatBody("hi", stream: true));

        await AssertOpenAIErrorAsync(
            response, 429,
            "Your team has used 10 of its 10 token quota. Ask your TokenRouter admin to raise the quota or reset the usage.",
            "insufficient_quota", null, "insufficient_quota");
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task C03_StreamingIsChargedLikeNonStreaming_WhetherOrNotTheClientAskedForUsage()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c03"), 100);
        var usageChunk = OpenAiPayloads.ChatUsageChunk("gpt-4o-mini", FakeUsage.OfTotal(60));
        string[] contentEvents =
        [
            "data: " + OpenAiPayloads.ChatChunk("gpt-4o-mini", "One") + "\n\n",
            "data: " + OpenAiPayloads.ChatChunk("gpt-4o-mini", " two") + "\n\n",
            "data: " + OpenAiPayloads.ChatChunk("gpt-4o-mini", " three") + "\n\n",
        ];

        // The provider sends its usage chunk only to requests that ask for it, as OpenAI does.
        Upstream.On("chat/completions").Always(FakeResponse.From(request =>
        {
            var script = new SseScript();
            foreach (var write in contentEvents)
            {
                script.Raw(write);
            }

            if (request.IncludeUsage)
            {
                script.Data(usageChunk);
            }

            return FakeResponse.Sse(script.Done());
        }));
        using var client = Router.CreateClient(team.Token);

        using var asking = await PostStreamingAsync(
            client, "v1/chat/completions", ChatBody("Count", stream: true, extra: ",\"stream_options\":{\"include_usage\":true}"));
        var askingBytes = await asking.Content.ReadAsByteArrayAsync();
        var usedAfterAsking = Router.UsedTokens(team.Id);
        using var notAsking = await PostStreamingAsync(client, "v1/chat/completions", ChatBody("Count", stream: true));
        var notAskingBytes = await notAsking.Content.ReadAsByteArrayAsync();
        var usedAfterNotAsking = Router.UsedTokens(team.Id);
        using var third = await PostStreamingAsync(client, "v1/chat/completions", ChatBody("Count", stream: true));

        Assert.Equal(Bytes([.. contentEvents, "data: " + usageChunk + "\n\n", "data: [DONE]\n\n"]), askingBytes);
        Assert.Equal(Bytes([.. contentEvents, "data: [DONE]\n\n"]), notAskingBytes);
        Assert.Equal((60, 120), (usedAfterAsking, usedAfterNotAsking));
        Assert.Equal(429, (int)third.StatusCode);
        Assert.Equal(2, Upstream.Requests.Count);
        Assert.All(Upstream.Requests, r => Assert.True(r.IncludeUsage));
        var rows = await RowsInOrderAsync(Router, team.Id, 3);
        Assert.Equal(new RowFacts(Route, "gpt-4o-mini", true, 200, 12, 48, 60), RowFacts.Of(rows[0]));
        Assert.Equal(new RowFacts(Route, "gpt-4o-mini", true, 200, 12, 48, 60), RowFacts.Of(rows[1]));
        Assert.Equal(new RowFacts(Route, "gpt-4o-mini", true, 429, 0, 0, 0, ErrorType: "insufficient_quota"), RowFacts.Of(rows[2]));
        await AssertUsedAsync(Router, team.Id, 120);
    }

    [Fact]
    public async Task UsedEqualsTheSumOfTheLoggedUsage_AcrossEveryKindOfEnding()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("books"), 100_000);
        Upstream.On("chat/completions").Once(
            FakeResponse.Default.WithUsage(3, 4),
            FakeResponse.Error(500, "boom", "server_error"),
            FakeResponse.Sse(s => s.Data(OpenAiPayloads.ChatChunk("gpt-4o-mini", "cut")).Abort()),
            FakeResponse.Default.WithStreaming(false));
        using var client = Router.CreateClient(team.Token);

        foreach (var stream in new[] { false, false, true, true })
        {
            using var response = await PostAsync(client, "v1/chat/completions", ChatBody("hi", stream: stream));
            await response.Content.ReadAsByteArrayAsync();
        }

        using var refused = await PostAsync(client, "v1/chat/completions", ChatBody("hi", model: "nope"));
        var rows = await RowsInOrderAsync(Router, team.Id, 5);
        Assert.Equal(new[] { 200, 500, 200, 502, 404 }, rows.Select(r => r.Status));
        await AssertUsedAsync(Router, team.Id, rows.Sum(r => r.TotalTokens));
        Assert.Equal(7 + 0 + (PromptEstimate(1, "hi") + Tokens("cut")) + 18 + 0, rows.Sum(r => r.TotalTokens));
        var standing = JsonNode.Parse(await client.GetStringAsync("v1/usage"))!;
        Assert.Equal(rows.Sum(r => r.TotalTokens), (long)standing["used"]!);
    }
}
