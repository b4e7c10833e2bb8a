using System.Text.Json.Nodes;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Proxy;

/// <summary>POST /v1/chat/completions through the fake upstream: bodies both ways, usage to the token.</summary>
public sealed class ChatEndpointTests : IClassFixture<ProxyFixture>
{
    private const string Route = "/v1/chat/completions";
    private readonly ProxyFixture _env;

    public ChatEndpointTests(ProxyFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Fact]
    public async Task NonStreaming_RelaysBothBodiesUnchanged_AndChargesTheProviderUsageWithDetails()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("chat"), 10_000);
        var usage = new FakeUsage(20, 30) { Cached = 5, Reasoning = 7 };
        var answer = OpenAiPayloads.ChatCompletion("gpt-4o-mini", "Hi there", usage, "chatcmpl-one");
        Upstream.On("chat/completions").Once(FakeResponse.Json(answer).WithHeader("x-request-id", "req_provider_1"));
        var body = ChatBody("hi", extra: ",\"temperature\":0.25,\"seed\":7,\"logit_bias\":{\"50256\":-100}");
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", body);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
        Assert.Equal(body, Upstream.LastRequest.BodyText);
        var row = await SingleRowAsync(Router, team.Id);
        Assert.Equal(new RowFacts(Route, "gpt-4o-mini", false, 200, 20, 30, 50, Cached: 5, Reasoning: 7), RowFacts.Of(row));
        Assert.Equal("req_provider_1", row.UpstreamRequestId);
        Assert.Equal(row.RequestId, Assert.Single(response.Headers.GetValues("x-request-id")));
        await AssertUsedAsync(Router, team.Id, 50);
    }

    [Fact]
    public async Task Tools_RequestAndToolCallAnswer_PassThroughUnchanged()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("tools"), 10_000);
        const string body = """
            {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Weather in Paris?"}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",
               "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
             "tool_choice":"auto","parallel_tool_calls":false}
            """;
        const string answer = """
            {"id":"chatcmpl-tools","object":"chat.completion","created":1750000000,"model":"gpt-4o-mini",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1",
               "type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
               "logprobs":null,"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":31,"completion_tokens":12,"total_tokens":43}}
            """;
        Upstream.On("chat/completions").Once(FakeResponse.Json(answer));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", body);

        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
        Assert.Equal(body, Upstream.LastRequest.BodyText);
        var row = await SingleRowAsync(Router, team.Id);
        Assert.Equal(new RowFacts(Route, "gpt-4o-mini", false, 200, 31, 12, 43), RowFacts.Of(row));
        await AssertUsedAsync(Router, team.Id, 43);
    }

    [Fact]
    public async Task Tools_Streaming_ToolCallDeltasReachTheClient_UsageChunkHidden()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("tools-stream"), 10_000);
        string[] visible =
        [
            "data: " + OpenAiPayloads.ChatChunkWithDelta("gpt-4o-mini", JsonDelta(
                """
                {"role":"assistant","tool_calls":[{"index":0,"id":"call_1","type":"function",
                 "function":{"name":"get_weather","arguments":""}}]}
                """)) + "\n\n",
            "data: " + OpenAiPayloads.ChatChunkWithDelta("gpt-4o-mini", JsonDelta(
                """{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}""")) + "\n\n",
            "data: " + OpenAiPayloads.ChatChunkWithDelta("gpt-4o-mini", JsonDelta(
                """{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}""")) + "\n\n",
            "data: " + OpenAiPayloads.ChatFinishChunk("gpt-4o-mini", "tool_calls") + "\n\n",
        ];
        var usageEvent = "data: " + OpenAiPayloads.ChatUsageChunk("gpt-4o-mini", new FakeUsage(40, 9)) + "\n\n";
        var script = new SseScript();
        foreach (var part in visible)
        {
            script.Raw(part);
        }

        Upstream.On("chat/completions").Once(FakeResponse.Sse(script.Raw(usageEvent).Done()));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody("Weather in Paris?", stream: true));

        Assert.Equal(Bytes([.. visible, "data: [DONE]\n\n"]), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(new RowFacts(Route, "gpt-4o-mini", true, 200, 40, 9, 49), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        await AssertUsedAsync(Router, team.Id, 49);
    }

    [Fact]
    public async Task SeveralChoices_AllReachTheClient_AndTheProviderTotalIsCharged()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("n3"), 10_000);
        var answer = OpenAiPayloads.ChatCompletion("gpt-4o-mini", "Option", new FakeUsage(10, 15), "chatcmpl-n", choices: 3);
        Upstream.On("chat/completions").Once(FakeResponse.Json(answer));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody("Name a colour", extra: ",\"n\":3,\"max_tokens\":5"));

        var choices = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["choices"]!.AsArray();
        Assert.Equal(new[] { 0, 1, 2 }, choices.Select(c => (int)c!["index"]!));
        Assert.Equal(new RowFacts(Route, "gpt-4o-mini", false, 200, 10, 15, 25), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        await AssertUsedAsync(Router, team.Id, 25);
    }

    [Fact]
    public async Task SeveralChoices_ReserveMaxTokensForEachChoice()
    {
        // The worst case of n = 3 and max_tokens = 100 is three answers of 100 tokens.
        var prompt = PromptEstimate(1, "Name a colour");
        var quota = prompt + 299;
        var team = await Router.CreateTeamDirectAsync(UniqueName("n3-quota"), quota);
        using var client = Router.CreateClient(team.Token);

        using var refused = await PostAsync(client, "v1/chat/completions", ChatBody("Name a colour", extra: ",\"n\":3,\"max_tokens\":100"));
        using var admitted = await PostAsync(client, "v1/chat/completions", ChatBody("Name a colour", extra: ",\"n\":2,\"max_tokens\":100"));

        await AssertOpenAIErrorAsync(
            refused, 429,
            $"This request may use up to {prompt + 300} tokens, but your team has {quota} of its {quota} token quota left " +
            "(used 0, 0 held by requests in flight). Lower max_tokens or ask your TokenRouter admin to raise the quota.",
            "insufficient_quota", null, "insufficient_quota");
        Assert.Equal(200, (int)admitted.StatusCode);
        Assert.Single(Upstream.Requests);
    }

    [Fact]
    public async Task ImageParts_ForwardedByteForByte_AndChargedByTheProvider()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("vision"), 10_000);
        var dataUrl = "data:image/png;base64," + Convert.ToBase64String(OpenAiPayloads.TinyPng);
        var body = $$$"""
            {"model":"gpt-4o-mini","messages":[{"role":"user","content":[
              {"type":"text","text":"What is in these images?"},
              {"type":"image_url","image_url":{"url":"{{{dataUrl}}}","detail":"low"}},
              {"type":"image_url","image_url":{"url":"https://images.invalid/cat.png"}}]}],"max_tokens":50}
            """;
        Upstream.On("chat/completions").Once(FakeResponse.Default.WithUsage(new FakeUsage(1_120, 14)));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", body);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(body, Upstream.LastRequest.BodyText);
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", false, 200, 1_120, 14, 1_134), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task ImageParts_AreReservedAtAFixedPricePerImage_NotByTheirBase64Length()
    {
        // Two images at 765 tokens each, whatever the size of the inline data.
        var prompt = PromptEstimate(1, "Compare") + (2 * 765);
        var team = await Router.CreateTeamDirectAsync(UniqueName("vision-quota"), prompt + 9);
        var big = "data:image/png;base64," + Convert.ToBase64String(new byte[300_000]);
        var body = $$$"""
            {"model":"gpt-4o-mini","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text","text":"Compare"},
            {"type":"image_url","image_url":{"url":"{{{big}}}"}},{"type":"image_url","image_url":{"url":"{{{big}}}"}}]}]}
            """;
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", body);

        await AssertOpenAIErrorAsync(
            response, 429,
            $"This request may use up to {prompt + 10} tokens, but your team has {prompt + 9} of its {prompt + 9} token quota " +
            "left (used 0, 0 held by requests in flight). Lower max_tokens or ask your TokenRouter admin to raise the quota.",
            "insufficient_quota", null, "insufficient_quota");
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task JsonMode_ResponseFormatAndJsonAnswer_PassThroughUnchanged()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("json-mode"), 10_000);
        var body = ChatBody("Reply in JSON", extra: ",\"response_format\":{\"type\":\"json_object\"}");
        var answer = OpenAiPayloads.ChatCompletion("gpt-4o-mini", "{\"ok\":true,\"items\":[1,2]}", new FakeUsage(12, 8));
        Upstream.On("chat/completions").Once(FakeResponse.Json(answer));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", body);

        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
        Assert.Equal(body, Upstream.LastRequest.BodyText);
        Assert.Equal("json_object", (string?)Upstream.LastRequest.Json!["response_format"]!["type"]);
        Assert.Equal(new RowFacts(Route, "gpt-4o-mini", false, 200, 12, 8, 20), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task Streaming_ClientWithoutUsage_UpstreamIsAskedForIt_ClientGetsEverythingElse()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("stream"), 10_000);
        var events = ChatStreamEvents(["Hel", "lo", "!"]);
        var usageEvent = "data: " + OpenAiPayloads.ChatUsageChunk("gpt-4o-mini", new FakeUsage(9, 3) { Cached = 2 }) + "\n\n";
        Upstream.On("chat/completions").Once(FakeResponse.Sse(Script([.. events, usageEvent, "data: [DONE]\n\n"])));
        var body = ChatBody("Say hello", stream: true);
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(client, "v1/chat/completions", body);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Bytes([.. events, "data: [DONE]\n\n"]), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("{\"stream_options\":{\"include_usage\":true}," + body[1..], Upstream.LastRequest.BodyText);
        Assert.Equal(
            new RowFacts(Route, "gpt-4o-mini", true, 200, 9, 3, 12, Cached: 2), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        await AssertUsedAsync(Router, team.Id, 12);
    }

    [Fact]
    public async Task Streaming_ClientAskingUsageWithOtherOptions_BodyUntouched_UsageChunkDelivered()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("stream-usage"), 10_000);
        var events = ChatStreamEvents(["A", "B"]);
        var usageEvent = "data: " + OpenAiPayloads.ChatUsageChunk("gpt-4o-mini", new FakeUsage(9, 2)) + "\n\n";
        Upstream.On("chat/completions").Once(FakeResponse.Sse(Script([.. events, usageEvent, "data: [DONE]\n\n"])));
        var body = ChatBody("Say AB", stream: true, extra: ",\"stream_options\":{\"include_obfuscation\":false,\"include_usage\":true}");
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(client, "v1/chat/completions", body);

        Assert.Equal(Bytes([.. events, usageEvent, "data: [DONE]\n\n"]), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(body, Upstream.LastRequest.BodyText);
        Assert.Equal(new RowFacts(Route, "gpt-4o-mini", true, 200, 9, 2, 11), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task Streaming_ClientTurningUsageOff_IsTurnedOnUpstream_AtTheSameBytes()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("stream-off"), 10_000);
        var body = ChatBody("Say hi", stream: true, extra: ",\"stream_options\": {\"include_usage\": false}");
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(client, "v1/chat/completions", body);
        var events = SseReader.Parse(await response.Content.ReadAsByteArrayAsync());

        Assert.Equal(body.Replace("\"include_usage\": false", "\"include_usage\": true"), Upstream.LastRequest.BodyText);
        Assert.DoesNotContain(events, e => e.Json is JsonObject chunk && chunk["usage"] is JsonObject);
        Assert.True(events[^1].IsDone);
        Assert.Equal(new RowFacts(Route, "gpt-4o-mini", true, 200, 11, 7, 18), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task ModelSpelling_IsFixedToTheConfiguredOne_AndNothingElseChanges()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("spelling"), 10_000);
        var body = ChatBody("hi", model: "gpt-5-NANO", extra: ",\"metadata\":{\"model\":\"gpt-5-NANO\"}");
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", body);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(
            """{"model":"GPT-5-nano","messages":[{"role":"user","content":"hi"}],"metadata":{"model":"gpt-5-NANO"}}""",
            Upstream.LastRequest.BodyText);
        Assert.Equal("GPT-5-nano", (await SingleRowAsync(Router, team.Id)).Model);
    }

    [Fact]
    public async Task UnknownModel_Is404ModelNotFound_NeverForwarded_RowWithoutTokens()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("no-model"), 10_000);
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody("hi", model: "gpt-9-ultra"));

        await AssertOpenAIErrorAsync(
            response, 404,
            "The model 'gpt-9-ultra' does not exist or your team does not have access to it. " +
            "GET /v1/models lists the models you can use.",
            "invalid_request_error", "model", "model_not_found");
        Assert.Empty(Upstream.Requests);
        Assert.Equal(
            new RowFacts(Route, "gpt-9-ultra", false, 404, 0, 0, 0, ErrorType: "model_not_found"),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    private static JsonObject JsonDelta(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>The events of a chat stream before its usage chunk: role, one per piece, finish.</summary>
    private static string[] ChatStreamEvents(string[] pieces) =>
    [
        "data: " + OpenAiPayloads.ChatRoleChunk("gpt-4o-mini") + "\n\n",
        .. pieces.Select(p => "data: " + OpenAiPayloads.ChatChunk("gpt-4o-mini", p) + "\n\n"),
        "data: " + OpenAiPayloads.ChatFinishChunk("gpt-4o-mini") + "\n\n",
    ];

    private static SseScript Script(IEnumerable<string> writes)
    {
        var script = new SseScript();
        foreach (var write in writes)
        {
            script.Raw(write);
        }

        return script;
    }
}
