using System.Text;
using TokenRouter.Config;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Proxy;

/// <summary>
/// C07 with a two-second idle limit: silence longer than the limit ends the request with a 504
/// (or an error event mid-stream) and a closed log row, while answers that keep coming are
/// never cut, however long they take in total.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class IdleTimeoutTests : IClassFixture<ShortIdleFixture>
{
    private const string Route = "/v1/chat/completions";
    private const string Prompt = "Take your time";
    private static readonly TimeSpan Silence = ShortIdleFixture.ShortIdle * 2.5;

    // The pause between two pieces of an answer that keeps coming: well inside the limit, so
    // a busy machine's scheduling delays cannot stretch it past the limit.
    private static readonly TimeSpan Beat = TimeSpan.FromMilliseconds(250);

    // Pieces enough to stream for more than three idle periods in all.
    private const int Pieces = 26;

    private readonly ShortIdleFixture _env;

    public IdleTimeoutTests(ShortIdleFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Fact]
    public void Defaults_HaveNoTotalTimeout_AndAGenerousIdleLimit()
    {
        var defaults = new RouterSettings { ProviderApiKey = "sk-x" };

        Assert.Equal(TimeSpan.FromMinutes(10), defaults.UpstreamIdleTimeout);
        Assert.Equal(Timeout.InfiniteTimeSpan, Router.Services.GetRequiredService<HttpClient>().Timeout);
    }

    [Fact]
    public async Task NonStreaming_ProviderSilentBeforeHeaders_Is504_RowClosed_ProviderCallCancelled()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c07-plain"), 10_000);
        Upstream.On("chat/completions").Once(FakeResponse.Default.WithDelay(Silence));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody(Prompt));

        await AssertOpenAIErrorAsync(
            response, 504, "The provider sent nothing for 2 seconds.", "upstream_error", null, "provider_timeout");
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", false, 504, 0, 0, 0, ErrorType: "provider_timeout"),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        var forwarded = Upstream.LastRequest;
        await Eventually.UntilAsync(() => forwarded.ClientAborted, "the router cancelling the provider's request");
    }

    [Fact]
    public async Task NonStreaming_ProviderSilentInTheMiddleOfTheBody_Is504()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c07-body"), 10_000);
        var body = Encoding.UTF8.GetBytes(OpenAiPayloads.ChatCompletion("gpt-4o-mini", "Done.", new FakeUsage(5, 2)));
        var script = new SseScript().Raw(body[..20]).Delay(Silence).Raw(body[20..]);
        Upstream.On("chat/completions").Once(FakeResponse.Sse(script).WithContentType("application/json"));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody(Prompt));

        await AssertOpenAIErrorAsync(
            response, 504, "The provider sent nothing for 2 seconds.", "upstream_error", null, "provider_timeout");
        // The provider had started answering: the work it did is charged as an estimate.
        var prompt = PromptEstimate(1, Prompt);
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", false, 504, prompt, 0, prompt, Estimated: true, ErrorType: "provider_timeout"),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task Streaming_ProviderSilentMidStream_ChunksArrive_ThenAnErrorEvent_RowClosed()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c07-stream"), 10_000);
        var script = new SseScript()
            .Data(OpenAiPayloads.ChatRoleChunk("gpt-4o-mini"))
            .Data(OpenAiPayloads.ChatChunk("gpt-4o-mini", "Thinking"))
            .Delay(Silence)
            .Data(OpenAiPayloads.ChatChunk("gpt-4o-mini", " never sent"))
            .Done();
        Upstream.On("chat/completions").Once(FakeResponse.Sse(script));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(client, "v1/chat/completions", ChatBody(Prompt, stream: true));
        var received = await response.Content.ReadAsByteArrayAsync();

        var sent = Bytes(script.Writes[0], script.Writes[1]);
        Assert.Equal(sent, received[..sent.Length]);
        var tail = Assert.Single(SseReader.Parse(received[sent.Length..]));
        AssertErrorBody(
            tail.Data!, "The provider sent nothing for 2 seconds; the stream was ended.", "upstream_error", null, "provider_timeout");
        var prompt = PromptEstimate(1, Prompt);
        var completion = Tokens("Thinking");
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", true, 200, prompt, completion, prompt + completion, Estimated: true,
                ErrorType: "provider_timeout"),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        var forwarded = Upstream.LastRequest;
        await Eventually.UntilAsync(() => forwarded.ClientAborted, "the router cancelling the provider's stream");
    }

    [Fact]
    public async Task Streaming_ChunksKeepComingPastSeveralIdlePeriods_IsNeverCut()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c07-long"), 10_000);
        var pieces = Enumerable.Range(1, Pieces).Select(i => $" part{i}").ToArray();
        Upstream.On("chat/completions").Once(FakeResponse.Default
            .WithChunks(pieces).WithChunkDelay(Beat).WithUsage(12, 10));
        using var client = Router.CreateClient(team.Token);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        using var response = await PostStreamingAsync(client, "v1/chat/completions", ChatBody(Prompt, stream: true));
        var events = SseReader.Parse(await response.Content.ReadAsByteArrayAsync());

        Assert.True(clock.Elapsed > ShortIdleFixture.ShortIdle * 3, $"the stream took {clock.Elapsed}, shorter than scripted");
        Assert.Equal(string.Concat(pieces), string.Concat(events.Select(e => (string?)e.Json?["choices"]?[0]?["delta"]?["content"])));
        Assert.True(events[^1].IsDone);
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", true, 200, 12, 10, 22), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task Streaming_KeepAliveCommentsDuringALongThink_PassThroughAndKeepItAlive()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c07-keepalive"), 10_000);
        var script = new SseScript().Data(OpenAiPayloads.ChatRoleChunk("gpt-4o-mini"));
        for (var i = 0; i < Pieces; i++)
        {
            script.Delay(Beat).Comment("keep-alive");
        }

        script.Data(OpenAiPayloads.ChatChunk("gpt-4o-mini", "Answer"))
            .Data(OpenAiPayloads.ChatUsageChunk("gpt-4o-mini", new FakeUsage(6, 1)))
            .Done();
        Upstream.On("chat/completions").Once(FakeResponse.Sse(script));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(
            client, "v1/chat/completions", ChatBody(Prompt, stream: true, extra: ",\"stream_options\":{\"include_usage\":true}"));

        Assert.Equal(script.AllText, await response.Content.ReadAsStringAsync());
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", true, 200, 6, 1, 7), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task NonStreaming_BodyTricklingInPastSeveralIdlePeriods_IsNeverCut()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c07-trickle"), 10_000);
        var body = OpenAiPayloads.ChatCompletion("gpt-4o-mini", "A long considered answer.", new FakeUsage(7, 30));
        var script = new SseScript().WithDelayBetweenWrites(Beat).RawInPieces(body, (body.Length / Pieces) + 1);
        Upstream.On("chat/completions").Once(FakeResponse.Sse(script).WithContentType("application/json"));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody(Prompt));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", false, 200, 7, 30, 37), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }
}
