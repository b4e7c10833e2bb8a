using System.Net;
using System.Text.Json.Nodes;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Proxy;

/// <summary>
/// The /v1 endpoints TokenRouter answers itself: models, the team's own standing, the legacy
/// billing endpoints, and OpenAI's 404 for any path it does not know.
/// </summary>
public sealed class LocalEndpointTests : IClassFixture<ProxyFixture>
{
    private readonly ProxyFixture _env;

    public LocalEndpointTests(ProxyFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Fact]
    public async Task Models_ListsTheAllowedModelsInOpenAIsFormat_WithoutAskingTheProvider()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("models"), 100);
        using var client = Router.CreateClient(team.Token);

        using var response = await client.GetAsync("v1/models");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var expected = new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(ProxyFixture.AllowedModels.Select(m => (JsonNode?)Model(m)).ToArray()),
        };
        Assert.Equal(expected.ToJsonString(), await response.Content.ReadAsStringAsync());
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task ModelById_AnySpelling_AnswersTheConfiguredOne()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("model-id"), 100);
        using var client = Router.CreateClient(team.Token);

        using var response = await client.GetAsync("v1/models/gpt-5-NANO");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(Model("GPT-5-nano").ToJsonString(), await response.Content.ReadAsStringAsync());
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task ModelById_NotAllowed_Is404ModelNotFound()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("model-404"), 100);
        using var client = Router.CreateClient(team.Token);

        using var response = await client.GetAsync("v1/models/gpt-3.5-turbo");

        await AssertOpenAIErrorAsync(
            response, 404, "The model 'gpt-3.5-turbo' does not exist or your team does not have access to it.",
            "invalid_request_error", "model", "model_not_found");
    }

    [Theory]
    [InlineData("v1/models")]
    [InlineData("v1/models/gpt-4o-mini")]
    [InlineData("v1/usage")]
    [InlineData("v1/dashboard/billing/subscription")]
    [InlineData("v1/dashboard/billing/usage")]
    public async Task LocalEndpoints_WithoutAToken_Are401InvalidApiKey(string path)
    {
        using var response = await Router.Http.GetAsync(path);

        await AssertOpenAIErrorAsync(
            response, 401, "You didn't provide an API key. Send your team token as 'Authorization: Bearer <token>'.",
            "invalid_request_error", null, "invalid_api_key");
    }

    [Theory]
    [InlineData("POST", "v1/assistants")]
    [InlineData("GET", "v1/files")]
    [InlineData("GET", "v1/chat/completions")]
    [InlineData("DELETE", "v1/models/gpt-4o-mini")]
    public async Task UnknownPath_IsOpenAIs404_AndNeverForwarded(string method, string path)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("unknown"), 100);
        using var client = Router.CreateClient(team.Token);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = Json("""{"model":"gpt-4o-mini"}""");
        }

        using var response = await client.SendAsync(request);

        await AssertOpenAIErrorAsync(
            response, 404, $"Unknown endpoint: /{path}.", "invalid_request_error", null, "unknown_url");
        Assert.Empty(Upstream.Requests);
        Assert.Empty(await Router.LogRowsAsync(team.Id));
    }

    [Fact]
    public async Task Usage_TellsTheTeamItsOwnStanding()
    {
        var name = UniqueName("standing");
        var team = await Router.CreateTeamDirectAsync(name, 1_000);
        using var client = Router.CreateClient(team.Token);
        using (await PostAsync(client, "v1/chat/completions", ChatBody("hi")))
        {
        }

        using var response = await client.GetAsync("v1/usage");

        Assert.Equal(200, (int)response.StatusCode);
        var standing = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        var stored = (await Router.GetStoredTeamAsync(team.Id))!;
        Assert.Equal(
            new[]
            {
                "object", "team", "quota", "used", "remaining", "reserved", "period", "period_started_at", "next_reset_at",
                "expires_at", "limits", "models",
            },
            standing.Select(p => p.Key));
        Assert.Equal("usage", (string?)standing["object"]);
        Assert.Equal(name, (string?)standing["team"]);
        Assert.Equal(1_000, (long)standing["quota"]!);
        Assert.Equal(18, (long)standing["used"]!);
        Assert.Equal(982, (long)standing["remaining"]!);
        Assert.Equal(0, (long)standing["reserved"]!);
        Assert.Equal("none", (string?)standing["period"]);
        Assert.Equal(stored.PeriodStartedAt, standing["period_started_at"]!.GetValue<DateTimeOffset>());
        Assert.Null(standing["next_reset_at"]);
        Assert.Null(standing["expires_at"]);
        Assert.Equal(
            """{"rpm":null,"tpm":null,"remaining_requests":null,"remaining_tokens":null}""", standing["limits"]!.ToJsonString());
        Assert.Equal(ProxyFixture.AllowedModels, standing["models"]!.AsArray().Select(m => (string)m!));
        Assert.Single(Upstream.Requests);
    }

    [Fact]
    public async Task BillingEndpoints_SpeakInTokens()
    {
        var name = UniqueName("billing");
        var team = await Router.CreateTeamDirectAsync(name, 5_000);
        await Router.SeedUsageAsync(team.Id, 1_234);
        using var client = Router.CreateClient(team.Token);

        using var subscription = await client.GetAsync("v1/dashboard/billing/subscription");
        using var usage = await client.GetAsync("v1/dashboard/billing/usage?start_date=2025-01-01&end_date=2025-02-01");

        var expectedSubscription = new JsonObject
        {
            ["object"] = "billing_subscription",
            ["has_payment_method"] = true,
            ["hard_limit_usd"] = 5_000,
            ["soft_limit_usd"] = 5_000,
            ["system_hard_limit_usd"] = 5_000,
            ["access_until"] = 0,
            ["account_name"] = name,
        };
        Assert.Equal(expectedSubscription.ToJsonString(), await subscription.Content.ReadAsStringAsync());
        Assert.Equal("""{"object":"list","total_usage":123400}""", await usage.Content.ReadAsStringAsync());
        Assert.Empty(Upstream.Requests);
    }

    [Theory]
    [InlineData("start_date=yesterday&end_date=2025-02-01", "start_date")]
    [InlineData("start_date=2025-01-01&end_date=2025-13-01", "end_date")]
    [InlineData("start_date=2025-01-01&start_date=2025-01-02", "start_date")]
    [InlineData("start_date=2025-02-01&end_date=2025-01-01", "start_date")]
    public async Task BillingUsage_GarbageOrReversedDates_Is400InOpenAiShape(string query, string param)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("billing"), 5_000);
        using var client = Router.CreateClient(team.Token);

        using var usage = await client.GetAsync("v1/dashboard/billing/usage?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, usage.StatusCode);
        var error = JsonNode.Parse(await usage.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal(("invalid_request_error", param), ((string)error["type"]!, (string)error["param"]!));
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
    }

    private static JsonObject Model(string id) => new()
    {
        ["id"] = id,
        ["object"] = "model",
        ["created"] = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(),
        ["owned_by"] = "tokenrouter",
    };
}
