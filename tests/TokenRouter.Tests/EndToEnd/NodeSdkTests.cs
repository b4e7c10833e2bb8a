using TokenRouter.Tests.Infrastructure;
using TokenRouter.Tests.Proxy;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.EndToEnd;

/// <summary>The official <c>openai</c> npm package (tests/js) against a running TokenRouter.</summary>
public sealed class NodeSdkTests : IClassFixture<ProxyFixture>
{
    private readonly ProxyFixture _env;

    public NodeSdkTests(ProxyFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ChatStreaming_ReadsEveryChunk_UsageOnlyWhenAskedFor_ChargedEitherWay(bool includeUsage)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("node-chat"), 10_000);
        Upstream.Defaults.Usage = new FakeUsage(13, 8);

        var result = await NodeScript.RunAsync(
            NodeScript.ChatStream, Router.BaseUrl, team.Token,
            new Dictionary<string, string> { ["INCLUDE_USAGE"] = includeUsage ? "true" : "false", ["MODEL"] = "GPT-4o-MINI" });

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.Json;
        Assert.True((bool)output["ok"]!);
        Assert.Equal("Hello from the fake upstream.", (string?)output["text"]);
        Assert.Equal("stop", (string?)output["finishReason"]);

        // Role chunk, five content chunks, finish chunk, and the usage chunk when asked for.
        Assert.Equal(includeUsage ? 8 : 7, (int)output["chunks"]!);
        Assert.Equal(includeUsage ? 21L : null, (long?)output["usage"]?["total_tokens"]);
        Assert.True(Upstream.LastRequest.IncludeUsage);
        Assert.Equal("gpt-4o-mini", Upstream.LastRequest.Model);
        Assert.Equal(
            new RowFacts("/v1/chat/completions", "gpt-4o-mini", true, 200, 13, 8, 21), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task ResponsesStreaming_ReadsEveryEventAndTheCompletedUsage()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("node-resp"), 10_000);
        Upstream.Defaults.Usage = new FakeUsage(10, 5) { Cached = 4 };

        var result = await NodeScript.RunAsync(NodeScript.ResponsesStream, Router.BaseUrl, team.Token);

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.Json;
        Assert.Equal("Hello from the fake upstream.", (string?)output["text"]);
        Assert.Equal("completed", (string?)output["status"]);
        Assert.Equal(15, (long)output["usage"]!["total_tokens"]!);
        Assert.Equal(
            new[]
            {
                "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
                "response.content_part.done", "response.output_item.done", "response.completed",
            },
            output["events"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(
            new RowFacts("/v1/responses", "gpt-4o-mini", true, 200, 10, 5, 15, Cached: 4),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task ChatStreaming_ExhaustedQuota_IsTheSdksRateLimitError()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("node-quota"), 10);
        await Router.SeedUsageAsync(team.Id, 10);

        var result = await NodeScript.RunAsync(NodeScript.ChatStream, Router.BaseUrl, team.Token);

        Assert.Equal(1, result.ExitCode);
        var error = result.Json["error"]!;
        Assert.Equal("RateLimitError", (string?)error["name"]);
        Assert.Equal(429, (int)error["status"]!);
        Assert.Equal("insufficient_quota", (string?)error["code"]);
        Assert.Equal("insufficient_quota", (string?)error["type"]);
        Assert.Empty(Upstream.Requests);
    }
}
