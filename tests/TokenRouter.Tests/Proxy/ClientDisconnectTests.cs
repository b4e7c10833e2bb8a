using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Proxy;

/// <summary>
/// C04: a client that walks away still pays for what was produced, and the provider's request
/// is cancelled and its connection closed. Real timings: the provider streams 20 chunks 200 ms
/// apart, or takes 3 s before answering at all.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class ClientDisconnectTests : IClassFixture<ProxyFixture>
{
    private const string Prompt = "Write twenty words";
    private static readonly TimeSpan AbortNoticed = TimeSpan.FromSeconds(5);

    // One token each, so the estimate counts the chunks the router saw.
    private static readonly string[] Words = Enumerable.Range(0, 20).Select(i => " " + (char)('a' + i)).ToArray();

    private readonly ProxyFixture _env;

    public ClientDisconnectTests(ProxyFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(12)]
    public async Task C04_StreamingClientLeavesAfterSomeChunks_Row499ChargedForWhatWasProduced_UpstreamCancelled(int chunksRead)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c04"), 10_000);
        Upstream.On("chat/completions").Once(FakeResponse.Default
            .WithChunks(Words).WithChunkDelay(TimeSpan.FromMilliseconds(200)).WithUsage(30, 20));
        var connectionsBefore = Upstream.OpenConnections;
        using var client = ClientThatWalksAway(team.Token);

        var response = await PostStreamingAsync(client, "v1/chat/completions", ChatBody(Prompt, stream: true));
        var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var text = "";
        for (var read = 0; read < chunksRead + 1; read++)
        {
            var next = await reader.ReadEventAsync();
            text += (string?)next!.Json!["choices"]![0]!["delta"]!["content"];
        }

        response.Dispose(); // the connection closes in the middle of the stream

        Assert.Equal(string.Concat(Words.Take(chunksRead)), text);
        var forwarded = Upstream.LastRequest;
        await Eventually.UntilAsync(() => forwarded.ClientAborted, "the router cancelling the provider's stream", AbortNoticed);
        await forwarded.Finished.WaitAsync(AbortNoticed);
        await Eventually.UntilAsync(
            () => Upstream.OpenConnections <= connectionsBefore, "the provider connection to be closed", AbortNoticed);

        var row = await SingleRowAsync(Router, team.Id);
        var prompt = PromptEstimate(1, Prompt);
        Assert.Equal(499, row.Status);
        Assert.Equal("client_disconnected", row.ErrorType);
        Assert.True(row.Stream);
        Assert.True(row.Estimated);
        Assert.Equal(prompt, row.PromptTokens);
        Assert.InRange(row.CompletionTokens, Tokens(string.Concat(Words.Take(chunksRead))), Tokens(string.Concat(Words.SkipLast(1))));
        Assert.Equal(prompt + row.CompletionTokens, row.TotalTokens);
        await AssertUsedAsync(Router, team.Id, row.TotalTokens);
    }

    [Fact]
    public async Task C04_NonStreamingClientGivesUpAfterOneSecond_Row499ChargedThePrompt_UpstreamCancelled()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c04-plain"), 10_000);
        Upstream.On("chat/completions").Once(FakeResponse.Default.WithDelay(TimeSpan.FromSeconds(3)));
        using var client = Router.CreateClient(team.Token);
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => client.PostAsync("v1/chat/completions", Json(ChatBody(Prompt)), patience.Token));

        var forwarded = await Upstream.WaitForRequestAsync();
        await Eventually.UntilAsync(() => forwarded.ClientAborted, "the router cancelling the provider's request", AbortNoticed);
        var prompt = PromptEstimate(1, Prompt);
        Assert.Equal(
            new RowFacts("/v1/chat/completions", "gpt-4o-mini", false, 499, prompt, 0, prompt, Estimated: true,
                ErrorType: "client_disconnected"),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        await AssertUsedAsync(Router, team.Id, prompt);
        Assert.Equal(0, forwarded.ResponseStatus);
    }

    [Fact]
    public async Task C04_StreamingClientLeavesBeforeTheFirstByte_Row499ChargedThePrompt_UpstreamCancelled()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c04-early"), 10_000);
        var never = new TaskCompletionSource();
        Upstream.On("chat/completions").Once(FakeResponse.Default.HeldUntil(never.Task));
        using var client = Router.CreateClient(team.Token);
        using var leave = new CancellationTokenSource();

        var sending = PostStreamingAsync(client, "v1/chat/completions", ChatBody(Prompt, stream: true), leave.Token);
        var forwarded = await Upstream.WaitForRequestAsync();
        await leave.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        await Eventually.UntilAsync(() => forwarded.ClientAborted, "the router cancelling the provider's request", AbortNoticed);
        var prompt = PromptEstimate(1, Prompt);
        Assert.Equal(
            new RowFacts("/v1/chat/completions", "gpt-4o-mini", true, 499, prompt, 0, prompt, Estimated: true,
                ErrorType: "client_disconnected"),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task C04_StreamingClientLeavesAfterTheUsageChunk_IsChargedTheProviderUsage()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c04-late"), 10_000);
        var release = new TaskCompletionSource();
        var script = new SseScript()
            .Data(OpenAiPayloads.ChatChunk("gpt-4o-mini", "Hi"))
            .Data(OpenAiPayloads.ChatFinishChunk("gpt-4o-mini"))
            .Data(OpenAiPayloads.ChatUsageChunk("gpt-4o-mini", new FakeUsage(8, 2)))
            .WaitFor(release.Task)
            .Done();
        Upstream.On("chat/completions").Once(FakeResponse.Sse(script));
        using var client = ClientThatWalksAway(team.Token);

        var response = await PostStreamingAsync(
            client, "v1/chat/completions", ChatBody(Prompt, stream: true, extra: ",\"stream_options\":{\"include_usage\":true}"));
        var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        for (var read = 0; read < 3; read++)
        {
            Assert.NotNull(await reader.ReadEventAsync());
        }

        response.Dispose();

        var forwarded = Upstream.LastRequest;
        await Eventually.UntilAsync(() => forwarded.ClientAborted, "the router cancelling the provider's stream", AbortNoticed);
        release.SetResult();
        Assert.Equal(
            new RowFacts("/v1/chat/completions", "gpt-4o-mini", true, 200, 8, 2, 10),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        await AssertUsedAsync(Router, team.Id, 10);
    }

    /// <summary>
    /// A client whose unread responses close the connection at once. HttpClient by default
    /// reads on for up to 2 s after a response is disposed, hoping to reuse the connection:
    /// a client that really walks away (a closed tab, a killed process) does not.
    /// </summary>
    private HttpClient ClientThatWalksAway(string token)
    {
        var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero };
        var client = new HttpClient(handler) { BaseAddress = new Uri(Router.BaseUrl + "/") };
        client.DefaultRequestHeaders.Authorization = Bearer(token);
        return client;
    }
}
