using System.Net.Http.Headers;
using System.Text;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Proxy;

/// <summary>
/// Every other endpoint that reaches the provider, through the fake upstream: the body the
/// client gets, the body the provider got, and the log row to the token.
/// </summary>
public sealed class ApiEndpointTests : IClassFixture<ProxyFixture>
{
    private readonly ProxyFixture _env;

    public ApiEndpointTests(ProxyFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Fact]
    public async Task Completions_NonStreaming_RelaysTheBodyAndChargesItsUsage()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("cmpl"), 10_000);
        var answer = OpenAiPayloads.Completion("gpt-4o-mini", "This is a test.", new FakeUsage(5, 7));
        Upstream.On("completions").Once(FakeResponse.Json(answer));
        const string body = """{"model":"gpt-4o-mini","prompt":"Say this is a test","max_tokens":7,"temperature":0}""";
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/completions", body);

        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
        Assert.Equal(body, Upstream.LastRequest.BodyText);
        Assert.Equal(
            new RowFacts("/v1/completions", "gpt-4o-mini", false, 200, 5, 7, 12), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        await AssertUsedAsync(Router, team.Id, 12);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Completions_Streaming_UsageChunkOnlyForAClientThatAsked_ChargedEitherWay(bool clientAsks)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("cmpl-stream"), 10_000);
        Upstream.On("completions").Once(FakeResponse.Default.WithUsage(6, 4).WithChunks("This", " is", " a", " test"));
        var body = "{\"model\":\"gpt-4o-mini\",\"prompt\":\"Say this\",\"stream\":true" +
            (clientAsks ? ",\"stream_options\":{\"include_usage\":true}}" : "}");
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(client, "v1/completions", body);
        var events = SseReader.Parse(await response.Content.ReadAsByteArrayAsync());

        Assert.True(Upstream.LastRequest.IncludeUsage);
        Assert.Equal("This is a test", string.Concat(events.Select(e => (string?)e.Json?["choices"]?.AsArray().FirstOrDefault()?["text"])));
        Assert.Equal(clientAsks ? 10L : null, (long?)events[^2].Json!["usage"]?["total_tokens"]);
        Assert.True(events[^1].IsDone);
        Assert.Equal(clientAsks ? 7 : 6, events.Count);
        Assert.Equal(
            new RowFacts("/v1/completions", "gpt-4o-mini", true, 200, 6, 4, 10), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task Embeddings_ChargesThePromptTokens_AndRelaysTheVectors()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("embed"), 10_000);
        var answer = OpenAiPayloads.Embeddings("text-embedding-3-small", 2, 4, base64: false, new FakeUsage(42, 0));
        Upstream.On("embeddings").Once(FakeResponse.Json(answer));
        const string body = """{"model":"text-embedding-3-small","input":["first text","second text"],"encoding_format":"float"}""";
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/embeddings", body);

        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
        Assert.Equal(body, Upstream.LastRequest.BodyText);
        Assert.Equal(
            new RowFacts("/v1/embeddings", "text-embedding-3-small", false, 200, 42, 0, 42),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        await AssertUsedAsync(Router, team.Id, 42);
    }

    [Fact]
    public async Task Responses_NonStreaming_ChargesInputAndOutputTokensWithDetails()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("resp"), 10_000);
        var usage = new FakeUsage(9, 4) { Cached = 2, Reasoning = 1 };
        var answer = OpenAiPayloads.Response("gpt-4o-mini", "Hello!", usage, "resp_1").ToJsonString();
        Upstream.On("responses").Once(FakeResponse.Json(answer));
        const string body = """{"model":"gpt-4o-mini","input":"Say hello","instructions":"Be brief","store":false}""";
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/responses", body);

        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
        Assert.Equal(body, Upstream.LastRequest.BodyText);
        Assert.Equal(
            new RowFacts("/v1/responses", "gpt-4o-mini", false, 200, 9, 4, 13, Cached: 2, Reasoning: 1),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        await AssertUsedAsync(Router, team.Id, 13);
    }

    [Fact]
    public async Task Responses_Streaming_EveryEventArrivesUnchanged_UsageFromResponseCompleted()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("resp-stream"), 10_000);
        var usage = new FakeUsage(21, 8) { Cached = 3, Reasoning = 5 };
        var script = new SseScript();
        foreach (var (name, data) in OpenAiPayloads.ResponseStreamEvents("gpt-4o-mini", ["Hel", "lo"], usage, "resp_2"))
        {
            script.Event(name, data);
        }

        Upstream.On("responses").Once(FakeResponse.Sse(script));
        const string body = """{"model":"gpt-4o-mini","input":"Say hello","stream":true}""";
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(client, "v1/responses", body);

        Assert.Equal(script.AllBytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(body, Upstream.LastRequest.BodyText);
        Assert.Equal(
            new RowFacts("/v1/responses", "gpt-4o-mini", true, 200, 21, 8, 29, Cached: 3, Reasoning: 5),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        await AssertUsedAsync(Router, team.Id, 29);
    }

    [Fact]
    public async Task Moderations_NoProviderUsage_ChargesTheEstimatedInput()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("modr"), 10_000);
        const string body = """{"model":"omni-moderation-latest","input":"I want to hug someone"}""";
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/moderations", body);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(body, Upstream.LastRequest.BodyText);
        var prompt = PromptEstimate(0, "I want to hug someone");
        Assert.Equal(
            new RowFacts("/v1/moderations", "omni-moderation-latest", false, 200, prompt, 0, prompt, Estimated: true),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        await AssertUsedAsync(Router, team.Id, prompt);
    }

    [Fact]
    public async Task ImageGenerations_ChargesTheImageModelsTokenUsage()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("image"), 10_000);
        var answer = OpenAiPayloads.Images(1, base64: true, new FakeUsage(50, 4_160));
        Upstream.On("images/generations").Once(FakeResponse.Json(answer));
        const string body = """{"model":"gpt-image-1","prompt":"a red cube","size":"1024x1024","quality":"low"}""";
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/images/generations", body);

        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
        Assert.Equal(body, Upstream.LastRequest.BodyText);
        Assert.Equal(
            new RowFacts("/v1/images/generations", "gpt-image-1", false, 200, 50, 4_160, 4_210),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task AudioSpeech_BinaryBodyUnchanged_ChargedAsAnEstimateOfItsInput()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("speech"), 10_000);
        const string body = """{"model":"TTS-1","input":"Hello there","voice":"alloy","response_format":"mp3"}""";
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/audio/speech", body);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("audio/mpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(FakeUpstream.SpeechBytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(body.Replace("TTS-1", "tts-1"), Upstream.LastRequest.BodyText);
        var prompt = PromptEstimate(0, "Hello there");
        Assert.Equal(
            new RowFacts("/v1/audio/speech", "tts-1", false, 200, prompt, 0, prompt, Estimated: true),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task AudioTranscriptions_MultipartForwardedByteForByte_ExceptTheModelSpelling()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("transcribe"), 10_000);
        Upstream.On("audio/transcriptions").Once(FakeResponse.Default.WithUsage(14, 6));
        var audio = AudioBytes();
        var (body, contentType) = Multipart(audio, ("model", "GPT-4O-TRANSCRIBE"), ("language", "en"), ("prompt", "Some context"));
        using var client = Router.CreateClient(team.Token);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using var response = await client.PostAsync("v1/audio/transcriptions", content);

        Assert.Equal(200, (int)response.StatusCode);
        var forwarded = Upstream.LastRequest;
        Assert.Equal(Multipart(audio, ("model", "gpt-4o-transcribe"), ("language", "en"), ("prompt", "Some context")).Body, forwarded.Body);
        Assert.Equal(contentType, forwarded.Header("Content-Type"));
        Assert.Equal(audio, Assert.Single(forwarded.FormFiles).Content);
        Assert.Equal(
            new RowFacts("/v1/audio/transcriptions", "gpt-4o-transcribe", false, 200, 14, 6, 20),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task AudioTranscriptions_TextAnswerWithoutUsage_IsRelayedAndEstimatedFromThePrompt()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("transcribe-text"), 10_000);
        var (body, contentType) = Multipart(AudioBytes(), ("model", "whisper-1"), ("response_format", "text"), ("prompt", "Some context"));
        using var client = Router.CreateClient(team.Token);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using var response = await client.PostAsync("v1/audio/transcriptions", content);

        Assert.Equal("Hello from the fake upstream.\n", await response.Content.ReadAsStringAsync());
        Assert.Equal(body, Upstream.LastRequest.Body);
        var prompt = Tokens("Some context") + 1;
        Assert.Equal(
            new RowFacts("/v1/audio/transcriptions", "whisper-1", false, 200, prompt, 0, prompt, Estimated: true),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task AudioTranscriptions_ModelNotAllowed_Is404AndNeverForwarded()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("transcribe-404"), 10_000);
        var (body, contentType) = Multipart(AudioBytes(), ("model", "whisper-2"));
        using var client = Router.CreateClient(team.Token);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using var response = await client.PostAsync("v1/audio/transcriptions", content);

        await AssertOpenAIErrorAsync(
            response, 404,
            "The model 'whisper-2' does not exist or your team does not have access to it. GET /v1/models lists the models you can use.",
            "invalid_request_error", "model", "model_not_found");
        Assert.Empty(Upstream.Requests);
    }

    /// <summary>Every byte value, CR LF and dashes included, so a proxy that parses and rebuilds the form would show.</summary>
    private static byte[] AudioBytes() =>
        [.. "RIFF"u8, .. Enumerable.Range(0, 512).Select(i => (byte)(i % 256)), .. "\r\n--\r\n\r\n"u8, 0xFF, 0xFE, 0x00];

    private static (byte[] Body, string ContentType) Multipart(byte[] file, params (string Name, string Value)[] fields)
    {
        const string boundary = "----TokenRouterBoundary7MA4YWxkTrZu0gW";
        var body = new MemoryStream();
        void Write(string text) => body.Write(Encoding.UTF8.GetBytes(text));
        foreach (var (name, value) in fields)
        {
            Write($"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n");
        }

        Write($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"clip.wav\"\r\nContent-Type: audio/wav\r\n\r\n");
        body.Write(file);
        Write($"\r\n--{boundary}--\r\n");
        return (body.ToArray(), $"multipart/form-data; boundary={boundary}");
    }
}
