using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace TokenRouter.Tests.Infrastructure.Tests;

public sealed class FakeUpstreamTests : IAsyncLifetime
{
    private const string StreamingChat = """{"model":"gpt-4o-mini","stream":true,"messages":[]}""";

    private FakeUpstream _upstream = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _client = new HttpClient { BaseAddress = _upstream.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _upstream.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private Task<HttpResponseMessage> PostAsync(string path, string json) => _client.PostAsync(path, Json(json));

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response) =>
        (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["code"];

    [Fact]
    public void StartAsync_BindsLoopbackWithV1BaseUrl()
    {
        Assert.Equal("127.0.0.1", _upstream.Origin.Host);
        Assert.NotEqual(0, _upstream.Origin.Port);
        Assert.Equal("/v1/", _upstream.BaseUrl.AbsolutePath);
    }

    [Fact]
    public async Task ChatCompletions_NonStreaming_AnswersOpenAiJsonWithUsageAndHeaders()
    {
        _upstream.Defaults.Usage = new FakeUsage(20, 30) { Cached = 4, Reasoning = 6 };

        using var response = await PostAsync("chat/completions", """{"model":"GPT-5-nano","messages":[]}""");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("chat.completion", (string?)body["object"]);
        Assert.Equal("GPT-5-nano", (string?)body["model"]);
        Assert.Equal("Hello from the fake upstream.", (string?)body["choices"]![0]!["message"]!["content"]);
        Assert.Equal(20, (long)body["usage"]!["prompt_tokens"]!);
        Assert.Equal(30, (long)body["usage"]!["completion_tokens"]!);
        Assert.Equal(50, (long)body["usage"]!["total_tokens"]!);
        Assert.Equal(4, (long)body["usage"]!["prompt_tokens_details"]!["cached_tokens"]!);
        Assert.Equal(6, (long)body["usage"]!["completion_tokens_details"]!["reasoning_tokens"]!);
        Assert.StartsWith("req_", response.Headers.GetValues("x-request-id").Single());
        Assert.Equal("9999", response.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        var requestId = response.Headers.GetValues("x-request-id").Single();
        Assert.Equal(requestId, _upstream.LastRequest.ResponseHeader("x-request-id"));
        Assert.Equal(200, _upstream.LastRequest.ResponseStatus);
    }

    [Fact]
    public async Task ChatCompletions_NWithoutStream_AnswersNChoices()
    {
        using var response = await PostAsync("chat/completions", """{"model":"gpt-4o-mini","n":3,"messages":[]}""");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(3, body["choices"]!.AsArray().Count);
        Assert.Equal(2, (int)body["choices"]![2]!["index"]!);
    }

    [Fact]
    public async Task ChatCompletions_StreamWithoutIncludeUsage_SendsNoUsageAndEndsWithDone()
    {
        using var response = await PostAsync("chat/completions", StreamingChat);
        var events = SseReader.Parse(await response.Content.ReadAsByteArrayAsync());

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.True(events[^1].IsDone);
        var chunks = events.SkipLast(1).Select(e => e.Json!).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", (string?)c["object"]));
        Assert.All(chunks, c => Assert.False(c.AsObject().ContainsKey("usage")));
        Assert.Equal("assistant", (string?)chunks[0]["choices"]![0]!["delta"]!["role"]);
        Assert.Equal("stop", (string?)chunks[^1]["choices"]![0]!["finish_reason"]);
        var text = string.Concat(chunks.Select(c => (string?)c["choices"]![0]!["delta"]!["content"]));
        Assert.Equal("Hello from the fake upstream.", text);
    }

    [Fact]
    public async Task ChatCompletions_StreamWithIncludeUsage_SendsUsageChunkWithEmptyChoicesBeforeDone()
    {
        _upstream.Defaults.Usage = FakeUsage.OfTotal(60);

        using var response = await PostAsync(
            "chat/completions",
            """{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[]}""");
        var events = SseReader.Parse(await response.Content.ReadAsByteArrayAsync());

        Assert.True(events[^1].IsDone);
        var usageChunk = events[^2].Json!;
        Assert.Empty(usageChunk["choices"]!.AsArray());
        Assert.Equal(60, (long)usageChunk["usage"]!["total_tokens"]!);
        Assert.All(events.SkipLast(2), e => Assert.Null(e.Json!["usage"]));
        Assert.All(events.SkipLast(2), e => Assert.True(e.Json!.AsObject().ContainsKey("usage")));
    }

    [Fact]
    public async Task Completions_StreamWithIncludeUsage_EndsWithUsageChunkAndDone()
    {
        using var response = await PostAsync(
            "completions",
            """{"model":"gpt-4o-mini","prompt":"x","stream":true,"stream_options":{"include_usage":true}}""");
        var events = SseReader.Parse(await response.Content.ReadAsByteArrayAsync());

        Assert.True(events[^1].IsDone);
        Assert.Equal(18, (long)events[^2].Json!["usage"]!["total_tokens"]!);
        Assert.Equal("text_completion", (string?)events[0].Json!["object"]);
    }

    [Fact]
    public async Task Responses_Stream_SendsNamedEventsEndingInCompletedWithUsage()
    {
        _upstream.Defaults.Usage = new FakeUsage(9, 4);

        using var response = await PostAsync("responses", """{"model":"gpt-4o-mini","input":"hi","stream":true}""");
        var events = SseReader.Parse(await response.Content.ReadAsByteArrayAsync());

        Assert.All(events, e => Assert.Equal(e.Event, (string?)e.Json!["type"]));
        Assert.Equal("response.created", events[0].Event);
        Assert.Equal("response.completed", events[^1].Event);
        Assert.DoesNotContain(events, e => e.IsDone);
        var usage = events[^1].Json!["response"]!["usage"]!;
        Assert.Equal(9, (long)usage["input_tokens"]!);
        Assert.Equal(4, (long)usage["output_tokens"]!);
        Assert.Equal(13, (long)usage["total_tokens"]!);
        var deltas = events.Where(e => e.Event == "response.output_text.delta");
        var text = string.Concat(deltas.Select(e => (string?)e.Json!["delta"]));
        Assert.Equal("Hello from the fake upstream.", text);
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => (int)e.Json!["sequence_number"]!));
    }

    [Fact]
    public async Task Embeddings_Base64_DecodesToTheDocumentedVectors()
    {
        using var response = await PostAsync(
            "embeddings",
            """{"model":"text-embedding-3-small","input":["a","b"],"encoding_format":"base64","dimensions":4}""");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        var second = Convert.FromBase64String((string)body["data"]![1]!["embedding"]!);
        var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(second).ToArray();
        Assert.Equal(OpenAiPayloads.EmbeddingVector(1, 4), floats);
        Assert.Equal(11, (long)body["usage"]!["total_tokens"]!);
    }

    [Fact]
    public async Task AudioSpeech_AnswersTheFixedBinaryBody()
    {
        using var response = await PostAsync(
            "audio/speech", """{"model":"gpt-4o-mini-tts","input":"hi","voice":"alloy"}""");

        Assert.Equal("audio/mpeg", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(FakeUpstream.SpeechBytes, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AudioTranscriptions_Multipart_RecordsFieldsFileAndRawBytes()
    {
        var audio = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        using var form = new MultipartFormDataContent
        {
            { new StringContent("gpt-4o-transcribe"), "model" },
            { new ByteArrayContent(audio), "file", "clip.wav" },
        };
        var sent = await form.ReadAsByteArrayAsync();

        using var response = await _client.PostAsync("audio/transcriptions", form);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        var request = _upstream.LastRequest;
        Assert.Equal(sent, request.Body);
        Assert.Equal("gpt-4o-transcribe", request.Model);
        Assert.Equal(audio, request.FormFiles.Single().Content);
        Assert.Equal("clip.wav", request.FormFiles.Single().FileName);
        Assert.Equal(18, (long)body["usage"]!["total_tokens"]!);
    }

    [Fact]
    public async Task Models_ListAndById_AnswerOpenAiShapes()
    {
        var list = JsonNode.Parse(await _client.GetStringAsync("models"))!;
        using var missing = await _client.GetAsync("models/no-such-model");

        Assert.Equal("list", (string?)list["object"]);
        Assert.Contains("GPT-5-nano", list["data"]!.AsArray().Select(m => (string?)m!["id"]));
        Assert.Equal("GPT-5-nano", (string?)JsonNode.Parse(await _client.GetStringAsync("models/GPT-5-nano"))!["id"]);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("model_not_found", await ErrorCodeAsync(missing));
    }

    [Fact]
    public async Task UnknownPath_AnswersOpenAiShaped404()
    {
        using var response = await PostAsync("no/such/thing", "{}");
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.True(error.AsObject().ContainsKey("param"));
    }

    [Fact]
    public async Task MalformedJson_Answers400LikeOpenAi()
    {
        using var response = await PostAsync("chat/completions", "{not json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("{not json", _upstream.LastRequest.BodyText);
    }

    [Fact]
    public async Task Records_MethodPathQueryHeadersAndExactBody()
    {
        var json = """{"model":"gpt-4o-mini", "messages":[{"role":"user","content":"héllo ✓"}]}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions?api-version=1")
        {
            Content = Json(json),
        };
        request.Headers.Add("Authorization", "Bearer sk-abc");
        request.Headers.Add("X-Custom", "one");

        using var response = await _client.SendAsync(request);

        var recorded = Assert.Single(_upstream.Requests);
        Assert.Equal("POST", recorded.Method);
        Assert.Equal("/v1/chat/completions", recorded.Path);
        Assert.Equal("?api-version=1", recorded.Query);
        Assert.Equal("Bearer sk-abc", recorded.Header("authorization"));
        Assert.Equal("one", recorded.Header("x-custom"));
        Assert.Equal(Encoding.UTF8.GetBytes(json), recorded.Body);
        Assert.Equal("gpt-4o-mini", recorded.Model);
        Assert.False(recorded.IsStreaming);
        await recorded.Finished.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.False(recorded.ClientAborted);
        Assert.Equal(recorded, Assert.Single(_upstream.RequestsTo("/v1/chat/completions")));
    }

    [Fact]
    public async Task RequiredApiKey_WrongKey_Gets401InvalidApiKeyBeforeAnyScript()
    {
        _upstream.RequiredApiKey = "sk-right";
        _upstream.On("chat/completions").Once(FakeResponse.Json("{}"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = Json("{}") };
        request.Headers.Add("Authorization", "Bearer sk-wrong");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_api_key", await ErrorCodeAsync(response));
        Assert.Equal(1, _upstream.On("chat/completions").PendingOnce);
    }

    [Fact]
    public async Task Scripts_OnceInOrder_ThenAlways_ThenOtherPathsKeepDefault()
    {
        _upstream.On("/v1/chat/completions")
            .Once(
                FakeResponse.Error(429, "slow down", "requests", "rate_limit_exceeded").WithHeader("retry-after", "7"),
                FakeResponse.Json("""{"first":1}"""))
            .Always(FakeResponse.Json("""{"always":1}""", 201));

        using var first = await PostAsync("chat/completions", "{}");
        using var second = await PostAsync("chat/completions", "{}");
        using var third = await PostAsync("chat/completions", "{}");
        using var fourth = await PostAsync("chat/completions", "{}");
        using var other = await PostAsync("embeddings", """{"model":"m","input":"x"}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.Equal("7", first.Headers.GetValues("retry-after").Single());
        Assert.Equal("rate_limit_exceeded", await ErrorCodeAsync(first));
        Assert.Equal("""{"first":1}""", await second.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Created, third.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fourth.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal("list", (string?)JsonNode.Parse(await other.Content.ReadAsStringAsync())!["object"]);
    }

    [Fact]
    public async Task DefaultWithOverrides_StreamAnsweredAsJson_UsesGivenUsageAndHeaders()
    {
        _upstream.On("chat/completions").Once(FakeResponse.Default
            .WithStreaming(false)
            .WithUsage(20, 30)
            .WithChunks("only")
            .WithHeader("x-request-id", "req_custom"));

        using var response = await PostAsync("chat/completions", StreamingChat);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(50, (long)body["usage"]!["total_tokens"]!);
        Assert.Equal("only", (string?)body["choices"]![0]!["message"]!["content"]);
        Assert.Equal("req_custom", response.Headers.GetValues("x-request-id").Single());
    }

    [Fact]
    public async Task From_ChoosesTheAnswerFromTheRequest()
    {
        _upstream.On("chat/completions").Always(FakeResponse.From(r => r.IsStreaming
            ? FakeResponse.Error(400, "no streams here", "invalid_request_error")
            : FakeResponse.Default.WithUsage(1, 1)));

        using var streaming = await PostAsync("chat/completions", """{"model":"m","stream":true}""");
        using var plain = await PostAsync("chat/completions", """{"model":"m"}""");

        Assert.Equal(HttpStatusCode.BadRequest, streaming.StatusCode);
        Assert.Equal(2, (long)JsonNode.Parse(await plain.Content.ReadAsStringAsync())!["usage"]!["total_tokens"]!);
    }

    [Fact]
    public async Task OnAny_AnswersEveryPathWithoutItsOwnScript()
    {
        _upstream.OnAny().Always(FakeResponse.Error(503, "down", "server_error"));
        _upstream.On("models").Always(FakeResponse.Json("""{"object":"list","data":[]}"""));

        using var chat = await PostAsync("chat/completions", "{}");
        using var models = await _client.GetAsync("models");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, chat.StatusCode);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
    }

    [Fact]
    public async Task DelayBeforeHeaders_ClientGivesUp_RecordsClientAborted()
    {
        _upstream.On("chat/completions").Once(FakeResponse.Default.WithDelay(TimeSpan.FromSeconds(30)));
        using var giveUp = new CancellationTokenSource();

        var pending = _client.PostAsync("chat/completions", Json("""{"model":"m"}"""), giveUp.Token);
        var request = await _upstream.WaitForRequestAsync();
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);

        await request.Finished.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(request.ClientAborted);
        Assert.False(request.ServerAborted);
        Assert.Equal(0, request.ResponseStatus);
    }

    [Fact]
    public async Task HeldUntil_AnswersOnlyAfterTheSignal()
    {
        var release = new TaskCompletionSource();
        _upstream.On("chat/completions").Always(FakeResponse.Default.HeldUntil(release.Task));

        var pending = PostAsync("chat/completions", """{"model":"m"}""");
        await _upstream.WaitForRequestAsync();
        await Task.Delay(200);
        Assert.False(pending.IsCompleted);
        Assert.Equal(1, _upstream.ActiveRequests);

        release.SetResult();
        using var response = await pending;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.UntilAsync(() => _upstream.ActiveRequests == 0, "the request to finish");
    }

    [Fact]
    public async Task ClientClosesMidStream_RecordsClientAbortedAndFinishes()
    {
        _upstream.On("chat/completions").Once(FakeResponse.Default
            .WithChunks(Enumerable.Range(0, 20).Select(i => $"c{i} "))
            .WithChunkDelay(TimeSpan.FromMilliseconds(200)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
        {
            Content = Json("""{"model":"m","stream":true}"""),
        };

        using (var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            var reader = new SseReader(await response.Content.ReadAsStreamAsync());
            for (var i = 0; i < 3; i++)
            {
                Assert.NotNull(await reader.ReadEventAsync());
            }
        }

        var recorded = _upstream.LastRequest;
        await recorded.Finished.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(recorded.ClientAborted);
        Assert.Equal(200, recorded.ResponseStatus);
    }

    [Fact]
    public async Task ScriptAbort_ResetsTheConnectionAfterTheWrittenBytes_NotCountedAsClientAbort()
    {
        _upstream.On("chat/completions").Once(FakeResponse.Sse(s => s
            .Data(OpenAiPayloads.ChatChunk("m", "one"))
            .Data(OpenAiPayloads.ChatChunk("m", "two"))
            .Abort()));
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = Json("{}") };

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var first = await reader.ReadEventAsync();
        var second = await reader.ReadEventAsync();
        var failure = await Record.ExceptionAsync(() => reader.ReadEventAsync());

        Assert.Equal("one", (string?)first!.Json!["choices"]![0]!["delta"]!["content"]);
        Assert.Equal("two", (string?)second!.Json!["choices"]![0]!["delta"]!["content"]);
        Assert.IsAssignableFrom<IOException>(failure);
        var recorded = _upstream.LastRequest;
        await recorded.Finished.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(recorded.ServerAborted);
        Assert.False(recorded.ClientAborted);
    }

    [Fact]
    public async Task ResetConnection_ClientGetsNoResponse()
    {
        _upstream.On("chat/completions").Once(FakeResponse.ResetConnection());

        var failure = await Record.ExceptionAsync(() => PostAsync("chat/completions", "{}"));

        Assert.IsType<HttpRequestException>(failure);
        Assert.True(_upstream.LastRequest.ServerAborted);
    }

    [Fact]
    public async Task StreamWithoutDone_EndsCleanlyAfterTheLastEvent()
    {
        _upstream.On("chat/completions").Once(FakeResponse.Sse(s => s.Data(OpenAiPayloads.ChatChunk("m", "x"))));

        using var response = await PostAsync("chat/completions", "{}");
        var events = SseReader.Parse(await response.Content.ReadAsByteArrayAsync());

        Assert.Single(events);
        Assert.False(events[0].IsDone);
    }

    [Fact]
    public async Task InBandError_IsAnEventWithOpenAiErrorShape()
    {
        _upstream.On("chat/completions").Once(FakeResponse.Sse(s => s
            .Data(OpenAiPayloads.ChatChunk("m", "x"))
            .Error("The server had an error", "server_error")
            .Done()));

        using var response = await PostAsync("chat/completions", "{}");
        var events = SseReader.Parse(await response.Content.ReadAsByteArrayAsync());

        Assert.Equal(3, events.Count);
        Assert.Equal("server_error", (string?)events[1].Json!["error"]!["type"]);
        Assert.True(events[2].IsDone);
    }

    [Fact]
    public async Task Connections_CountedWhileOpenAndReleasedWhenTheClientCloses()
    {
        using (var client = new HttpClient { BaseAddress = _upstream.BaseUrl })
        {
            using var response = await client.GetAsync("models");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(1, _upstream.TotalConnections);
            await Eventually.UntilAsync(() => _upstream.OpenConnections == 1, "the pooled connection to be open");
        }

        await Eventually.UntilAsync(() => _upstream.OpenConnections == 0, "the connection to close");
    }

    [Fact]
    public async Task Reset_ForgetsRequestsScriptsAndDefaults()
    {
        _upstream.Defaults.Usage = new FakeUsage(1, 1);
        _upstream.On("chat/completions").Always(FakeResponse.Error(500, "x", "server_error"));
        using (await PostAsync("chat/completions", "{}"))
        {
        }

        _upstream.Reset();
        using var response = await PostAsync("chat/completions", """{"model":"m"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(18, (long)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["usage"]!["total_tokens"]!);
        Assert.Single(_upstream.Requests);
    }

    [Fact]
    public async Task ConcurrentRequests_AreAllRecordedWithDistinctSequenceNumbers()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            PostAsync("chat/completions", $$"""{"model":"m","user":"u{{i}}"}""")));
        foreach (var response in responses)
        {
            response.Dispose();
        }

        var requests = _upstream.Requests;
        Assert.Equal(40, requests.Count);
        Assert.Equal(Enumerable.Range(1, 40), requests.Select(r => r.Sequence).Order());
        Assert.Equal(40, requests.Select(r => (string?)r.Json!["user"]).Distinct().Count());
    }
}
