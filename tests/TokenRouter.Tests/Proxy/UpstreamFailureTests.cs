using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Proxy;

/// <summary>
/// A provider that fails: errors on a stream request (C05), failures in the middle of a stream
/// (C06), the wrong kind of answer, no answer at all, and a load balancer's HTML page.
/// </summary>
public sealed class UpstreamFailureTests : IClassFixture<ProxyFixture>
{
    private const string Route = "/v1/chat/completions";
    private const string Prompt = "Count to three";
    private static readonly string[] Pieces = ["One", " two", " three"];

    private readonly ProxyFixture _env;

    public UpstreamFailureTests(ProxyFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Theory]
    [InlineData(429, "Rate limit reached for requests", "requests", "rate_limit_exceeded")]
    [InlineData(500, "The server had an error while processing your request.", "server_error", null)]
    [InlineData(400, "Invalid value for 'temperature'.", "invalid_request_error", "invalid_value")]
    public async Task C05_StreamRequest_ProviderAnswersJsonError_ClientGetsThatErrorAndNothingIsCharged(
        int status, string message, string type, string? code)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c05"), 10_000);
        var error = FakeResponse.Error(status, message, type, code).WithHeader("retry-after", "7");
        Upstream.On("chat/completions").Once(error);
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(client, "v1/chat/completions", ChatBody(Prompt, stream: true));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(error.Body, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        var row = await SingleRowAsync(Router, team.Id);
        Assert.Equal(new RowFacts(Route, "gpt-4o-mini", true, status, 0, 0, 0, ErrorType: "upstream_error"), RowFacts.Of(row));
        await AssertUsedAsync(Router, team.Id, 0);
    }

    [Fact]
    public async Task C06a_ResetMidStream_ChunksArrive_ThenAnErrorEvent_EstimateCharged()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c06a"), 10_000);
        var script = Chunks().Abort();
        Upstream.On("chat/completions").Once(FakeResponse.Sse(script));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(client, "v1/chat/completions", ChatBody(Prompt, stream: true));
        var received = await response.Content.ReadAsByteArrayAsync();

        AssertChunksThenError(
            received, script.AllBytes, "The provider's stream broke off before it was complete.", "stream_interrupted");
        await AssertEstimatedRowAsync(team.Id, "stream_interrupted");
    }

    [Fact]
    public async Task C06b_InBandErrorEventThenDone_EverythingPassesThrough_RowSaysSo()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c06b"), 10_000);
        var script = Chunks().Error("The server had an error while processing your request.", "server_error").Done();
        Upstream.On("chat/completions").Once(FakeResponse.Sse(script));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(client, "v1/chat/completions", ChatBody(Prompt, stream: true));
        var received = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(script.AllBytes, received);
        AssertNoInventedFinishReason(received);
        await AssertEstimatedRowAsync(team.Id, "upstream_stream_error");
    }

    [Fact]
    public async Task C06c_CleanCloseWithoutDone_ChunksArrive_ThenAnErrorEvent_EstimateCharged()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c06c"), 10_000);
        var script = Chunks();
        Upstream.On("chat/completions").Once(FakeResponse.Sse(script));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(client, "v1/chat/completions", ChatBody(Prompt, stream: true));
        var received = await response.Content.ReadAsByteArrayAsync();

        AssertChunksThenError(received, script.AllBytes, "The provider's stream ended before it was complete.", "stream_incomplete");
        await AssertEstimatedRowAsync(team.Id, "stream_incomplete");
    }

    [Fact]
    public async Task C06_ResponsesStreamCutShort_EndsWithTheResponsesApisErrorEvent()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c06-resp"), 10_000);
        var events = OpenAiPayloads.ResponseStreamEvents("gpt-4o-mini", Pieces, new FakeUsage(5, 3));
        var script = new SseScript();
        foreach (var (name, data) in events.Take(6))
        {
            script.Event(name, data);
        }

        Upstream.On("responses").Once(FakeResponse.Sse(script));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(client, "v1/responses", """{"model":"gpt-4o-mini","input":"Count to three","stream":true}""");
        var received = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(script.AllBytes, received[..script.AllBytes.Length]);
        var tail = Assert.Single(SseReader.Parse(received[script.AllBytes.Length..]));
        Assert.Equal("error", tail.Event);
        Assert.Equal(
            """{"type":"error","code":"stream_incomplete","message":"The provider\u0027s stream ended before it was complete.","param":null}""",
            tail.Data);
        var row = await SingleRowAsync(Router, team.Id);
        var prompt = PromptEstimate(0, "Count to three");
        var completion = Tokens("One two");
        Assert.Equal(
            new RowFacts("/v1/responses", "gpt-4o-mini", true, 200, prompt, completion, prompt + completion, Estimated: true,
                ErrorType: "stream_incomplete"),
            RowFacts.Of(row));
    }

    [Fact]
    public async Task StreamRequest_ProviderAnswersPlainJson_IsA502_AndItsUsageIsCounted()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("mismatch-json"), 10_000);
        Upstream.On("chat/completions").Once(FakeResponse.Default.WithStreaming(false));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(client, "v1/chat/completions", ChatBody(Prompt, stream: true));

        await AssertOpenAIErrorAsync(
            response, 502, "The provider answered a streaming request (stream: true) with a single JSON response.",
            "upstream_error", null, "bad_provider_response");
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", true, 502, 11, 7, 18, ErrorType: "stream_mismatch"),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        await AssertUsedAsync(Router, team.Id, 18);
    }

    [Fact]
    public async Task PlainRequest_ProviderAnswersAStreamWithUsage_IsA502_AndItsUsageIsCounted()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("mismatch-sse"), 10_000);
        Upstream.On("chat/completions").Once(FakeResponse.Default.WithStreaming(true).WithUsageChunkAlways());
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody(Prompt));

        await AssertOpenAIErrorAsync(
            response, 502, "The provider answered with a stream although the request did not ask for one (stream: false).",
            "upstream_error", null, "bad_provider_response");
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", false, 502, 11, 7, 18, ErrorType: "stream_mismatch"),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        await AssertUsedAsync(Router, team.Id, 18);
    }

    [Fact]
    public async Task PlainRequest_ProviderAnswersAStreamWithoutUsage_IsA502_AndTheTextIsEstimated()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("mismatch-est"), 10_000);
        Upstream.On("chat/completions").Once(FakeResponse.Default.WithStreaming(true).WithChunks(Pieces));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody(Prompt));

        Assert.Equal(502, (int)response.StatusCode);
        var prompt = PromptEstimate(1, Prompt);
        var completion = Tokens("One two three");
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", false, 502, prompt, completion, prompt + completion, Estimated: true,
                ErrorType: "stream_mismatch"),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task ProviderUnreachable_Is502_NothingCharged()
    {
        await using var env = await RouterFixture.StartAsync(s => s with { ProviderBaseUrl = new Uri($"http://127.0.0.1:{ClosedPort()}/v1/") });
        var team = await env.Router.CreateTeamDirectAsync(UniqueName("unreachable"), 10_000);
        using var client = env.Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody(Prompt));

        await AssertOpenAIErrorAsync(
            response, 502, "The provider could not be reached. Try again shortly.", "upstream_error", null, "provider_unreachable");
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", false, 502, 0, 0, 0, ErrorType: "provider_unreachable"),
            RowFacts.Of(await SingleRowAsync(env.Router, team.Id)));
        await AssertUsedAsync(env.Router, team.Id, 0);
        Assert.False(env.Router.Logs.Contains(RouterServer.ProviderApiKey));
    }

    [Fact]
    public async Task ProviderResetsBeforeHeaders_Is502_NothingCharged()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("reset"), 10_000);
        Upstream.On("chat/completions").Always(FakeResponse.ResetConnection());
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody(Prompt));

        await AssertOpenAIErrorAsync(
            response, 502, "The provider could not be reached. Try again shortly.", "upstream_error", null, "provider_unreachable");
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", false, 502, 0, 0, 0, ErrorType: "provider_unreachable"),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        // HttpClient sends a request again, once, when a pooled connection closes before any byte
        // of the answer (the usual sign of a stale keep-alive connection); never more.
        Assert.InRange(Upstream.Requests.Count, 1, 2);
        Assert.All(Upstream.Requests, r => Assert.True(r.ServerAborted));
    }

    [Fact]
    public async Task ProviderHtmlErrorPage_BecomesAnOpenAIShaped502()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("html"), 10_000);
        Upstream.On("chat/completions").Once(FakeResponse.Text(
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
            "text/html", 502).WithHeader("retry-after", "3"));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(client, "v1/chat/completions", ChatBody(Prompt, stream: true));

        Assert.Equal("3", Assert.Single(response.Headers.GetValues("retry-after")));
        await AssertOpenAIErrorAsync(
            response, 502, "The provider answered 502 Bad Gateway.", "upstream_error", null, "provider_error");
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", true, 502, 0, 0, 0, ErrorType: "upstream_error"),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    /// <summary>Role chunk and three content chunks, nothing after.</summary>
    private static SseScript Chunks()
    {
        var script = new SseScript().Data(OpenAiPayloads.ChatRoleChunk("gpt-4o-mini"));
        foreach (var piece in Pieces)
        {
            script.Data(OpenAiPayloads.ChatChunk("gpt-4o-mini", piece));
        }

        return script;
    }

    private static void AssertChunksThenError(byte[] received, byte[] sent, string message, string code)
    {
        Assert.True(received.Length > sent.Length, Encoding.UTF8.GetString(received));
        Assert.Equal(sent, received[..sent.Length]);
        var tail = Assert.Single(SseReader.Parse(received[sent.Length..]));
        Assert.Null(tail.Event);
        AssertErrorBody(tail.Data!, message, "upstream_error", null, code);
        Assert.EndsWith("\n\n", Encoding.UTF8.GetString(received));
        AssertNoInventedFinishReason(received);
    }

    private static void AssertNoInventedFinishReason(byte[] received) =>
        Assert.All(SseReader.Parse(received), e =>
            Assert.DoesNotContain(
                (e.Json?["choices"] as JsonArray ?? []).OfType<JsonObject>(),
                choice => choice["finish_reason"] is not null));

    private async Task AssertEstimatedRowAsync(long teamId, string errorType)
    {
        var row = await SingleRowAsync(Router, teamId);
        var prompt = PromptEstimate(1, Prompt);
        var completion = Tokens(string.Concat(Pieces));
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", true, 200, prompt, completion, prompt + completion, Estimated: true, ErrorType: errorType),
            RowFacts.Of(row));
        await AssertUsedAsync(Router, teamId, prompt + completion);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
