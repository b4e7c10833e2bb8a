using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Chat;
using TokenRouter.Tests.Infrastructure;
using TokenRouter.Tests.Proxy;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.EndToEnd;

/// <summary>
/// C08: every refusal reaches the official .NET SDK as its error (ClientResultException with
/// the status), streaming and not, with OpenAI's error body and nothing else: no auth header,
/// a wrong token, an exhausted quota, an unknown model, a malformed body, a body over the limit.
/// </summary>
public sealed class SdkErrorTests : IClassFixture<SmallBodyFixture>
{
    private readonly SmallBodyFixture _env;

    public SdkErrorTests(SmallBodyFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NoAuthHeader_Is401(bool stream)
    {
        var options = OpenAIClients.Options(Router.BaseUrl);
        options.AddPolicy(new DropAuthorization(), PipelinePosition.BeforeTransport);
        var chat = new OpenAIClient(new ApiKeyCredential("unused"), options).GetChatClient("gpt-4o-mini");

        var error = await CallAsync(chat, stream, "hi");

        AssertError(error, 401, "You didn't provide an API key. Send your team token as 'Authorization: Bearer <token>'.",
            "invalid_request_error", null, "invalid_api_key");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WrongToken_Is401(bool stream)
    {
        var chat = OpenAIClients.Chat(Router, "sk-tr-WrongWrongWrongWrongWrongWrongWrong9876");

        var error = await CallAsync(chat, stream, "hi");

        AssertError(error, 401, "Incorrect API key provided: sk-tr-****9876.", "invalid_request_error", null, "invalid_api_key");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task QuotaExhausted_Is429InsufficientQuota(bool stream)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c08-quota"), 100);
        await Router.SeedUsageAsync(team.Id, 120);

        var error = await CallAsync(OpenAIClients.Chat(Router, team.Token), stream, "hi");

        AssertError(error, 429,
            "Your team has used 120 of its 100 token quota. Ask your TokenRouter admin to raise the quota or reset the usage.",
            "insufficient_quota", null, "insufficient_quota");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnknownModel_Is404ModelNotFound(bool stream)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c08-model"), 10_000);

        var error = await CallAsync(OpenAIClients.Chat(Router, team.Token, "gpt-nonexistent"), stream, "hi");

        AssertError(error, 404,
            "The model 'gpt-nonexistent' does not exist or your team does not have access to it. " +
            "GET /v1/models lists the models you can use.",
            "invalid_request_error", "model", "model_not_found");
    }

    [Theory]
    [InlineData("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]")]
    [InlineData("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]")]
    public async Task MalformedJson_Is400(string body)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c08-json"), 10_000);
        var chat = OpenAIClients.Chat(Router, team.Token);

        var error = await Assert.ThrowsAsync<ClientResultException>(
            () => chat.CompleteChatAsync(BinaryContent.Create(BinaryData.FromString(body))));

        AssertError(error, 400, $"The request body is not valid JSON (line 1, byte {body.Length + 1}).",
            "invalid_request_error", null, null);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BodyOverTheLimit_Is413(bool stream)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c08-large"), 10_000_000);

        var error = await CallAsync(OpenAIClients.Chat(Router, team.Token), stream, new string('x', (int)SmallBodyLimit));

        AssertError(error, 413, "The request body is larger than this server accepts (1 MB).",
            "invalid_request_error", null, "request_too_large");
    }

    private async Task<ClientResultException> CallAsync(ChatClient chat, bool stream, string prompt)
    {
        var error = stream
            ? await Assert.ThrowsAsync<ClientResultException>(async () =>
            {
                await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage(prompt)]))
                {
                    Assert.Fail("A refused stream produced an update: " + update.CompletionId);
                }
            })
            : await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage(prompt)]));
        Assert.Empty(Upstream.Requests);
        return error;
    }

    private static void AssertError(
        ClientResultException error, int status, string message, string type, string? param, string? code)
    {
        Assert.Equal(status, error.Status);
        var response = error.GetRawResponse()!;
        Assert.True(response.Headers.TryGetValue("Content-Type", out var contentType));
        Assert.Equal("application/json", contentType);
        var body = response.Content.ToString();
        AssertErrorBody(body, message, type, param, code);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain(RouterServer.ProviderApiKey, body, StringComparison.Ordinal);
        Assert.Contains(message.Split('.')[0], error.Message, StringComparison.Ordinal);
    }

    /// <summary>Sends the SDK's request without any Authorization header, as a misconfigured client would.</summary>
    private sealed class DropAuthorization : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Remove("Authorization");
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Remove("Authorization");
            return ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
