using System.ClientModel;
using OpenAI;
using OpenAI.Audio;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Images;
using OpenAI.Responses;

namespace TokenRouter.Tests.Infrastructure.Tests;

/// <summary>
/// The official OpenAI .NET SDK pointed straight at the fake upstream: if the SDK reads the
/// fake's answers, the fake speaks OpenAI well enough to stand in for the provider.
/// </summary>
public sealed class FakeUpstreamSdkTests : IAsyncLifetime
{
    private const string Key = "sk-fake-direct";
    private FakeUpstream _upstream = null!;
    private OpenAIClient _client = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _upstream.RequiredApiKey = Key;
        _client = OpenAIClients.Client(_upstream.Origin.ToString(), Key);
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task Chat_NonStreaming_SdkReadsTextAndUsage()
    {
        _upstream.Defaults.Usage = new FakeUsage(20, 30);
        var chat = _client.GetChatClient("gpt-4o-mini");

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("hi")]);

        Assert.Equal("Hello from the fake upstream.", completion.Content[0].Text);
        Assert.Equal(50, completion.Usage.TotalTokenCount);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal("/v1/chat/completions", _upstream.LastRequest.Path);
    }

    [Fact]
    public async Task Chat_Streaming_SdkAsksForUsageAndReadsChunksAndUsage()
    {
        var text = "";
        ChatTokenUsage? usage = null;

        var chat = _client.GetChatClient("gpt-4o-mini");

        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            text += string.Concat(update.ContentUpdate.Select(p => p.Text));
            usage ??= update.Usage;
        }

        Assert.Equal("Hello from the fake upstream.", text);
        Assert.True(_upstream.LastRequest.IsStreaming);
        Assert.True(_upstream.LastRequest.IncludeUsage);
        Assert.Equal(18, usage!.TotalTokenCount);
    }

    [Fact]
    public async Task Chat_UpstreamError_SdkRaisesClientResultExceptionWithStatus()
    {
        _upstream.On("chat/completions")
            .Once(FakeResponse.Error(429, "Rate limit reached", "requests", "rate_limit_exceeded"));

        var error = await Assert.ThrowsAsync<ClientResultException>(
            () => _client.GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(429, error.Status);
        Assert.Contains("Rate limit reached", error.Message);
        Assert.Single(_upstream.Requests);
    }

    [Fact]
    public async Task Chat_WrongKey_SdkRaises401()
    {
        var wrong = OpenAIClients.Client(_upstream.Origin.ToString(), "sk-wrong");

        var error = await Assert.ThrowsAsync<ClientResultException>(
            () => wrong.GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task Embeddings_SdkDecodesTheVectors()
    {
        var embeddings = _client.GetEmbeddingClient("text-embedding-3-small");

        OpenAIEmbedding embedding = await embeddings.GenerateEmbeddingAsync("hello");

        Assert.Equal(OpenAiPayloads.EmbeddingVector(0, 8), embedding.ToFloats().ToArray());
    }

#pragma warning disable OPENAI001 // The Responses client is experimental in the SDK.
    [Fact]
    public async Task Responses_NonStreaming_SdkReadsTextAndUsage()
    {
        ResponseResult response = await _client.GetResponsesClient().CreateResponseAsync("gpt-4o-mini", "hi");

        Assert.Equal("Hello from the fake upstream.", response.GetOutputText());
        Assert.Equal(18, response.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Responses_Streaming_SdkReadsDeltasAndCompletedUsage()
    {
        _upstream.Defaults.Usage = new FakeUsage(9, 4);
        var text = "";
        ResponseTokenUsage? usage = null;

        var stream = await _client.GetResponsesClient().CreateResponseStreamingAsync("gpt-4o-mini", "hi");
        await foreach (var update in stream)
        {
            switch (update)
            {
                case StreamingResponseOutputTextDeltaUpdate delta:
                    text += delta.Delta;
                    break;
                case StreamingResponseCompletedUpdate completed:
                    usage = completed.Response.Usage;
                    break;
            }
        }

        Assert.Equal("Hello from the fake upstream.", text);
        Assert.Equal(13, usage!.TotalTokenCount);
    }
#pragma warning restore OPENAI001

    [Fact]
    public async Task Moderations_SdkReadsTheResult()
    {
        var result = await _client.GetModerationClient("omni-moderation-latest").ClassifyTextAsync("hello");

        Assert.False(result.Value.Flagged);
    }

    [Fact]
    public async Task Images_SdkReadsTheImageBytes()
    {
        GeneratedImage image = await _client.GetImageClient("gpt-image-1").GenerateImageAsync("a cat");

        Assert.Equal(OpenAiPayloads.TinyPng, image.ImageBytes.ToArray());
    }

    [Fact]
    public async Task Speech_SdkReadsTheBinaryBody()
    {
        var speech = _client.GetAudioClient("gpt-4o-mini-tts");

        BinaryData audio = await speech.GenerateSpeechAsync("hi", GeneratedSpeechVoice.Alloy);

        Assert.Equal(FakeUpstream.SpeechBytes, audio.ToArray());
    }

    [Fact]
    public async Task Transcription_SdkSendsMultipartAndReadsTheText()
    {
        using var clip = new MemoryStream([1, 2, 3, 4, 5]);
        var audio = _client.GetAudioClient("gpt-4o-transcribe");

        AudioTranscription transcription = await audio.TranscribeAudioAsync(clip, "clip.wav");

        Assert.Equal("Hello from the fake upstream.", transcription.Text);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, _upstream.LastRequest.FormFiles.Single().Content);
        Assert.Equal("gpt-4o-transcribe", _upstream.LastRequest.Model);
    }

    [Fact]
    public async Task Models_SdkListsAndGets()
    {
        var models = await _client.GetOpenAIModelClient().GetModelsAsync();
        var one = await _client.GetOpenAIModelClient().GetModelAsync("GPT-5-nano");

        Assert.Contains(models.Value, m => m.Id == "gpt-4o-mini");
        Assert.Equal("GPT-5-nano", one.Value.Id);
    }
}
