using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Proxy;

/// <summary>FORWARD_UNKNOWN_ENDPOINTS=true: other /v1 paths are forwarded with the same auth, model check and books.</summary>
public sealed class ForwardUnknownTests : IClassFixture<ForwardUnknownFixture>
{
    private readonly ForwardUnknownFixture _env;

    public ForwardUnknownTests(ForwardUnknownFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Fact]
    public async Task PostWithoutModel_IsForwardedWithTheProviderKey_AndLoggedAsAnEstimate()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("batches"), 10_000);
        const string answer = """{"id":"batch_1","object":"batch","endpoint":"/v1/chat/completions","status":"validating"}""";
        Upstream.On("batches").Once(FakeResponse.Json(answer));
        const string body = """{"input_file_id":"file-abc","endpoint":"/v1/chat/completions","completion_window":"24h"}""";
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/batches?beta=1", body);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
        var forwarded = Upstream.LastRequest;
        Assert.Equal("/v1/batches", forwarded.Path);
        Assert.Equal("?beta=1", forwarded.Query);
        Assert.Equal(body, forwarded.BodyText);
        Assert.Equal("Bearer " + RouterServer.ProviderApiKey, forwarded.Header("Authorization"));
        var prompt = PromptEstimate(0, "file-abc", "/v1/chat/completions", "24h");
        Assert.Equal(
            new RowFacts("/v1/batches", "", false, 200, prompt, 0, prompt, Estimated: true),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task GetWithoutBody_IsForwardedWithItsQuery()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("files"), 10_000);
        const string answer = """{"object":"list","data":[],"has_more":false}""";
        Upstream.On("files").Once(FakeResponse.Json(answer));
        using var client = Router.CreateClient(team.Token);

        using var response = await client.GetAsync("v1/files?purpose=batch&limit=2");

        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
        var forwarded = Upstream.LastRequest;
        Assert.Equal("GET", forwarded.Method);
        Assert.Equal("?purpose=batch&limit=2", forwarded.Query);
        Assert.Empty(forwarded.Body);
        Assert.Equal(
            new RowFacts("/v1/files", "", false, 200, 0, 0, 0, Estimated: true), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task BodyNamingAModel_IsModelChecked_AndSpelledTheConfiguredWay()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("fwd-model"), 10_000);
        Upstream.On("realtime/sessions").Always(FakeResponse.Json("""{"id":"sess_1","usage":{"input_tokens":3,"output_tokens":4}}"""));
        using var client = Router.CreateClient(team.Token);

        using var refused = await PostAsync(client, "v1/realtime/sessions", """{"model":"gpt-realtime-secret"}""");
        using var admitted = await PostAsync(client, "v1/realtime/sessions", """{"model":"GPT-4O-MINI","voice":"alloy"}""");

        await AssertOpenAIErrorAsync(
            refused, 404,
            "The model 'gpt-realtime-secret' does not exist or your team does not have access to it. " +
            "GET /v1/models lists the models you can use.",
            "invalid_request_error", "model", "model_not_found");
        Assert.Equal(200, (int)admitted.StatusCode);
        Assert.Equal("""{"model":"gpt-4o-mini","voice":"alloy"}""", Assert.Single(Upstream.Requests).BodyText);
        var rows = await RowsInOrderAsync(Router, team.Id, 2);
        Assert.Equal(404, rows[0].Status);
        Assert.Equal(
            new RowFacts("/v1/realtime/sessions", "gpt-4o-mini", false, 200, 3, 4, 7), RowFacts.Of(rows[1]));
    }

    [Fact]
    public async Task WithoutAToken_IsRefusedBeforeForwarding()
    {
        using var response = await Router.Http.GetAsync("v1/files");

        await AssertOpenAIErrorAsync(
            response, 401, "You didn't provide an API key. Send your team token as 'Authorization: Bearer <token>'.",
            "invalid_request_error", null, "invalid_api_key");
        Assert.Empty(Upstream.Requests);
    }
}
