using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;
using TokenRouter.Config;
using TokenRouter.Proxy;
using TokenRouter.Storage;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Proxy;

/// <summary>
/// A router in front of the fake upstream that allows a model for every endpoint, with its
/// tokenizer loaded before the first test, so estimated charges are exact and repeatable.
/// </summary>
public class ProxyFixture : RouterFixture, IAsyncLifetime
{
    /// <summary>ALLOWED_MODELS of the proxy fixtures: one model (or more) per endpoint family.</summary>
    public static readonly IReadOnlyList<string> AllowedModels =
    [
        "gpt-4o-mini", "GPT-5-nano", "text-embedding-3-small", "omni-moderation-latest", "gpt-image-1", "tts-1",
        "whisper-1", "gpt-4o-transcribe",
    ];

    public ProxyFixture()
        : this(null)
    {
    }

    private protected ProxyFixture(Func<RouterSettings, RouterSettings>? configure)
        : base(s => (configure ?? (x => x)).Invoke(s with { AllowedModels = AllowedModels }))
    {
    }

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Router.Services.GetRequiredService<TokenEstimator>().WarmUpAsync();

        // One request of each kind first, so no test's timings include the first call's JIT
        // and connection set-up (a 1 s idle limit must measure the provider, not the start-up).
        var warmUp = await Router.CreateTeamDirectAsync("fixture-warm-up", 1_000_000);
        using var client = Router.CreateClient(warmUp.Token);
        foreach (var stream in new[] { false, true })
        {
            using var response = await ProxyTestKit.PostAsync(client, "v1/chat/completions", ProxyTestKit.ChatBody("warm up", stream: stream));
            response.EnsureSuccessStatusCode();
        }

        ResetUpstream();
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

/// <summary>A proxy fixture whose provider may stay silent for only two seconds (C07).</summary>
public sealed class ShortIdleFixture() : ProxyFixture(s => s with { UpstreamIdleTimeout = ShortIdle })
{
    public static readonly TimeSpan ShortIdle = TimeSpan.FromSeconds(2);
}

/// <summary>A proxy fixture that accepts request bodies of at most 1 MiB.</summary>
public sealed class SmallBodyFixture() : ProxyFixture(s => s with { MaxRequestBodyBytes = ProxyTestKit.SmallBodyLimit });

/// <summary>A proxy fixture that forwards /v1 paths it does not know (FORWARD_UNKNOWN_ENDPOINTS=true).</summary>
public sealed class ForwardUnknownFixture() : ProxyFixture(s => s with { ForwardUnknownEndpoints = true });

/// <summary>
/// Tests that assert what happens after real seconds of silence or streaming: they run on
/// their own, after the parallel ones, so a busy machine does not stretch their pauses.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}

/// <summary>The facts of a request log row that a test asserts, in one comparable value.</summary>
internal sealed record RowFacts(
    string Endpoint,
    string Model,
    bool Stream,
    int Status,
    long Prompt,
    long Completion,
    long Total,
    long Cached = 0,
    long Reasoning = 0,
    bool Estimated = false,
    string? ErrorType = null)
{
    public static RowFacts Of(UsageRecord row) => new(
        row.Endpoint, row.Model, row.Stream, row.Status, row.PromptTokens, row.CompletionTokens, row.TotalTokens,
        row.CachedTokens, row.ReasoningTokens, row.Estimated, row.ErrorType);
}

internal static class ProxyTestKit
{
    public const long SmallBodyLimit = 1024 * 1024;

    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    /// <summary>A team name no other test uses.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Tokens of <paramref name="text"/> in the o200k encoding, counted independently of the router.</summary>
    public static long Tokens(string text) => text.Length == 0 ? 0 : O200k.Value.CountTokens(text);

    /// <summary>
    /// The router's documented prompt estimate: every prompt string followed by a space, through
    /// the tokenizer, plus 3 tokens per request and 4 per message (and 765 per image).
    /// </summary>
    public static long PromptEstimate(int messages, params string[] texts) =>
        Tokens(string.Concat(texts.Select(t => t + " "))) + 3 + (4L * messages);

    /// <summary>A one-message chat body (compact JSON, keys in this order).</summary>
    public static string ChatBody(string content, string model = "gpt-4o-mini", bool stream = false, string extra = "") =>
        $$"""{"model":"{{model}}","messages":[{"role":"user","content":"{{content}}"}]{{(stream ? ",\"stream\":true" : "")}}{{extra}}}""";

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string json) =>
        await client.PostAsync(path, Json(json));

    /// <summary>Sends with headers read as soon as they arrive, for streams.</summary>
    public static async Task<HttpResponseMessage> PostStreamingAsync(
        HttpClient client, string path, string json, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(json) };
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>
    /// Asserts an OpenAI-shaped error: the status, a JSON content type, and a body that is
    /// exactly {"error":{"message","type","param","code"}} with these values.
    /// </summary>
    public static async Task AssertOpenAIErrorAsync(
        HttpResponseMessage response, int status, string message, string type, string? param, string? code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        AssertErrorBody(text, message, type, param, code);
    }

    public static void AssertErrorBody(string text, string message, string type, string? param, string? code)
    {
        var body = Assert.IsType<JsonObject>(JsonNode.Parse(text));
        Assert.Equal(new[] { "error" }, body.Select(p => p.Key));
        var error = Assert.IsType<JsonObject>(body["error"]);
        Assert.Equal(new[] { "message", "type", "param", "code" }, error.Select(p => p.Key));
        Assert.Equal(message, (string?)error["message"]);
        Assert.Equal(type, (string?)error["type"]);
        Assert.Equal(param, (string?)error["param"]);
        Assert.Equal(code, (string?)error["code"]);
    }

    /// <summary>The team's only log row, once it is written.</summary>
    public static async Task<UsageRecord> SingleRowAsync(RouterServer router, long teamId) =>
        Assert.Single(await router.WaitForLogRowsAsync(teamId, 1));

    /// <summary>The team's rows in the order they were written (the books list newest first).</summary>
    public static async Task<IReadOnlyList<UsageRecord>> RowsInOrderAsync(RouterServer router, long teamId, int count)
    {
        var rows = await router.WaitForLogRowsAsync(teamId, count);
        Assert.Equal(count, rows.Count);
        return rows.Reverse().ToList();
    }

    /// <summary>The used count in memory and in the database, which must agree.</summary>
    public static async Task AssertUsedAsync(RouterServer router, long teamId, long expected)
    {
        Assert.Equal(expected, router.UsedTokens(teamId));
        Assert.Equal(expected, (await router.GetStoredTeamAsync(teamId))!.Used);
    }

    public static HttpClient ClientWith(RouterServer router, string header, string value)
    {
        var client = router.CreateClient(null);
        client.DefaultRequestHeaders.TryAddWithoutValidation(header, value);
        return client;
    }

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    /// <summary>The concatenation of <paramref name="parts"/> as bytes.</summary>
    public static byte[] Bytes(params string[] parts) => Encoding.UTF8.GetBytes(string.Concat(parts));
}
