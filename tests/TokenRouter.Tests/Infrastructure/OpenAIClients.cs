using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Audio;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Images;
using OpenAI.Models;
using OpenAI.Moderations;
using OpenAI.Responses;

namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// The official OpenAI .NET SDK, set up the way a team would point it at TokenRouter
/// (<c>Endpoint = BASE/v1</c>, the team token as API key), except that retries are off so a
/// 429 or a 5xx reaches the test at once and exactly once.
/// </summary>
public static class OpenAIClients
{
    /// <summary>The SDK's default network timeout, kept unless a test asks for a shorter one.</summary>
    public static readonly TimeSpan DefaultNetworkTimeout = TimeSpan.FromSeconds(100);

    /// <summary>Options for a server at <paramref name="baseUrl"/>, its root: <c>http://127.0.0.1:5000</c>.</summary>
    public static OpenAIClientOptions Options(string baseUrl, TimeSpan? networkTimeout = null) => new()
    {
        Endpoint = new Uri(baseUrl.TrimEnd('/') + "/v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = networkTimeout ?? DefaultNetworkTimeout,
    };

    public static OpenAIClient Client(string baseUrl, string token, TimeSpan? networkTimeout = null) =>
        new(new ApiKeyCredential(token), Options(baseUrl, networkTimeout));

    public static OpenAIClient Client(RouterServer router, string token, TimeSpan? networkTimeout = null) =>
        Client(router.BaseUrl, token, networkTimeout);

    public static ChatClient Chat(
        RouterServer router, string token, string model = "gpt-4o-mini", TimeSpan? networkTimeout = null) =>
        Client(router, token, networkTimeout).GetChatClient(model);

    public static EmbeddingClient Embeddings(
        RouterServer router,
        string token,
        string model = "text-embedding-3-small",
        TimeSpan? networkTimeout = null) =>
        Client(router, token, networkTimeout).GetEmbeddingClient(model);

#pragma warning disable OPENAI001 // The Responses client is marked experimental in the SDK.
    public static ResponsesClient Responses(RouterServer router, string token, TimeSpan? networkTimeout = null) =>
        Client(router, token, networkTimeout).GetResponsesClient();
#pragma warning restore OPENAI001

    public static OpenAIModelClient Models(RouterServer router, string token, TimeSpan? networkTimeout = null) =>
        Client(router, token, networkTimeout).GetOpenAIModelClient();

    public static ModerationClient Moderations(
        RouterServer router,
        string token,
        string model = "omni-moderation-latest",
        TimeSpan? networkTimeout = null) =>
        Client(router, token, networkTimeout).GetModerationClient(model);

    public static ImageClient Images(
        RouterServer router, string token, string model = "gpt-image-1", TimeSpan? networkTimeout = null) =>
        Client(router, token, networkTimeout).GetImageClient(model);

    public static AudioClient Audio(
        RouterServer router, string token, string model, TimeSpan? networkTimeout = null) =>
        Client(router, token, networkTimeout).GetAudioClient(model);
}
