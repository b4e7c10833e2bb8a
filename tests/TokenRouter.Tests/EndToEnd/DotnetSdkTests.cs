using System.ClientModel;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Responses;
using TokenRouter.Tests.Infrastructure;
using TokenRouter.Tests.Proxy;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.EndToEnd;

/// <summary>
/// The official OpenAI .NET SDK against a running TokenRouter, the way a team uses it:
/// <c>Endpoint = BASE/v1</c> and the team token as the API key.
/// </summary>
public sealed class DotnetSdkTests : IClassFixture<ProxyFixture>
{
    private readonly ProxyFixture _env;

    public DotnetSdkTests(ProxyFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Fact]
    public async Task Chat_NonStreaming_ReadsTheAnswerAndUsage_TeamIsCharged()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("sdk-chat"), 10_000);
        Upstream.Defaults.Usage = new FakeUsage(20, 30) { Cached = 4, Reasoning = 6 };

        ChatCompletion completion = await OpenAIClients.Chat(Router, team.Token, "GPT-4O-MINI")
            .CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("hi")]);

        Assert.Equal("Hello from the fake upstream.", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal((20, 30, 50), (completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount));
        Assert.Equal("gpt-4o-mini", Upstream.LastRequest.Model);
        Assert.Equal(
            new RowFacts("/v1/chat/completions", "gpt-4o-mini", false, 200, 20, 30, 50, Cached: 4, Reasoning: 6),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        await AssertUsedAsync(Router, team.Id, 50);
    }

    [Fact]
    public async Task Chat_Streaming_ReadsEveryUpdateAndTheUsage_TeamIsCharged()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("sdk-stream"), 10_000);
        Upstream.Defaults.Usage = new FakeUsage(9, 5);
        var text = "";
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;

        await foreach (var update in OpenAIClients.Chat(Router, team.Token).CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            text += string.Concat(update.ContentUpdate.Select(p => p.Text));
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal("Hello from the fake upstream.", text);
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.Equal(14, usage!.TotalTokenCount);
        Assert.Equal(
            new RowFacts("/v1/chat/completions", "gpt-4o-mini", true, 200, 9, 5, 14), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

#pragma warning disable OPENAI001 // The Responses client is marked experimental in the SDK.
    [Fact]
    public async Task Responses_NonStreaming_ReadsTheTextAndUsage()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("sdk-resp"), 10_000);
        Upstream.Defaults.Usage = new FakeUsage(12, 7) { Cached = 2, Reasoning = 3 };

        ResponseResult response = await OpenAIClients.Responses(Router, team.Token).CreateResponseAsync("gpt-4o-mini", "hi");

        Assert.Equal("Hello from the fake upstream.", response.GetOutputText());
        Assert.Equal(19, response.Usage.TotalTokenCount);
        Assert.Equal(
            new RowFacts("/v1/responses", "gpt-4o-mini", false, 200, 12, 7, 19, Cached: 2, Reasoning: 3),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task Responses_Streaming_ReadsTheDeltasAndTheCompletedUsage()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("sdk-resp-stream"), 10_000);
        Upstream.Defaults.Usage = new FakeUsage(9, 4);
        var text = "";
        ResponseTokenUsage? usage = null;

        var stream = await OpenAIClients.Responses(Router, team.Token).CreateResponseStreamingAsync("gpt-4o-mini", "hi");
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
        Assert.Equal(
            new RowFacts("/v1/responses", "gpt-4o-mini", true, 200, 9, 4, 13), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }
#pragma warning restore OPENAI001

    [Fact]
    public async Task Embeddings_DecodesTheVectors_TeamIsChargedThePromptTokens()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("sdk-embed"), 10_000);
        Upstream.Defaults.Usage = new FakeUsage(6, 0);

        OpenAIEmbeddingCollection embeddings = await OpenAIClients.Embeddings(Router, team.Token)
            .GenerateEmbeddingsAsync(["first", "second"]);

        Assert.Equal(OpenAiPayloads.EmbeddingVector(1, 8), embeddings[1].ToFloats().ToArray());
        Assert.Equal(
            new RowFacts("/v1/embeddings", "text-embedding-3-small", false, 200, 6, 0, 6),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task Models_ListsAndGetsTheAllowedModels()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("sdk-models"), 10_000);
        var models = OpenAIClients.Models(Router, team.Token);

        var list = await models.GetModelsAsync();
        var one = await models.GetModelAsync("gpt-5-NANO");

        Assert.Equal(ProxyFixture.AllowedModels, list.Value.Select(m => m.Id));
        Assert.Equal("GPT-5-nano", one.Value.Id);
        Assert.Equal("tokenrouter", one.Value.OwnedBy);
    }

    [Fact]
    public async Task QuotaExhausted_IsTheSdksClientResultExceptionWith429AndInsufficientQuota()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("sdk-quota"), 50);
        await Router.SeedUsageAsync(team.Id, 50);
        var chat = OpenAIClients.Chat(Router, team.Token);

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(429, error.Status);
        AssertErrorBody(
            error.GetRawResponse()!.Content.ToString(),
            "Your team has used 50 of its 50 token quota. Ask your TokenRouter admin to raise the quota or reset the usage.",
            "insufficient_quota", null, "insufficient_quota");
        Assert.Contains("insufficient_quota", error.Message, StringComparison.Ordinal);
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task WrongToken_IsTheSdksClientResultExceptionWith401()
    {
        var chat = OpenAIClients.Chat(Router, "sk-tr-NotARealTokenAtAll000000000000000000abcd");

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(401, error.Status);
        AssertErrorBody(
            error.GetRawResponse()!.Content.ToString(), "Incorrect API key provided: sk-tr-****abcd.",
            "invalid_request_error", null, "invalid_api_key");
        Assert.Empty(Upstream.Requests);
    }
}
