using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Proxy;

/// <summary>
/// Which headers cross the proxy (C09): the team token in any usual header, one documented rule
/// when they disagree, the provider key as the only credential upstream, no hop-by-hop or
/// account headers forwarded, and our own request id back to the client.
/// </summary>
public sealed class HeaderForwardingTests : IClassFixture<ProxyFixture>
{
    private const string AuthFailure = "invalid_api_key";
    private const string NoKeyMessage =
        "You didn't provide an API key. Send your team token as 'Authorization: Bearer <token>'.";
    private const string NotBearerMessage =
        "The Authorization header must use the Bearer scheme: 'Authorization: Bearer <your team token>'.";

    private readonly ProxyFixture _env;

    public HeaderForwardingTests(ProxyFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Theory]
    [InlineData("Authorization", "Bearer {0}")]
    [InlineData("Authorization", "bearer {0}")]
    [InlineData("Authorization", "BEARER {0}")]
    [InlineData("Authorization", "bEaReR   {0}  ")]
    [InlineData("api-key", "{0}")]
    [InlineData("API-Key", "{0}")]
    [InlineData("x-api-key", "{0}")]
    [InlineData("X-Api-Key", " {0} ")]
    public async Task TeamToken_InAnyUsualHeader_IsAccepted_AndOnlyTheProviderKeyGoesUpstream(string header, string format)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c09"), 10_000);
        using var client = ClientWith(Router, header, string.Format(null, format, team.Token));

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));

        Assert.Equal(200, (int)response.StatusCode);
        var forwarded = Upstream.LastRequest;
        Assert.Equal("Bearer " + RouterServer.ProviderApiKey, forwarded.Header("Authorization"));
        Assert.Null(forwarded.Header("api-key"));
        Assert.Null(forwarded.Header("x-api-key"));
        AssertNoTeamToken(forwarded, team.Token);
        Assert.Equal(18, (await SingleRowAsync(Router, team.Id)).TotalTokens);
    }

    [Fact]
    public async Task LowerCaseHeaderNameAndScheme_OnTheWire_AreAccepted()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c09-raw"), 10_000);
        var body = ChatBody("hi");
        var uri = new Uri(Router.BaseUrl);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        await using var stream = tcp.GetStream();

        var request = "POST /v1/chat/completions HTTP/1.1\r\n" +
            $"host: {uri.Authority}\r\n" +
            $"authorization: bearer {team.Token}\r\n" +
            "content-type: application/json\r\n" +
            $"content-length: {Encoding.UTF8.GetByteCount(body)}\r\n" +
            "connection: close\r\n\r\n" + body;
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var statusLine = await reader.ReadLineAsync();

        Assert.Equal("HTTP/1.1 200 OK", statusLine);
        Assert.Equal("Bearer " + RouterServer.ProviderApiKey, Upstream.LastRequest.Header("Authorization"));
        AssertNoTeamToken(Upstream.LastRequest, team.Token);
    }

    [Theory]
    [InlineData("Authorization", "Basic {0}")]
    [InlineData("Authorization", "{0}")]
    [InlineData("Authorization", "Token {0}")]
    [InlineData("Proxy-Authorization", "Bearer {0}")]
    [InlineData("OpenAI-Api-Key", "{0}")]
    [InlineData("Cookie", "token={0}")]
    public async Task TeamToken_InAnyOtherForm_Is401(string header, string format)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("c09-bad"), 10_000);
        using var client = ClientWith(Router, header, string.Format(null, format, team.Token));

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));

        var message = header == "Authorization" ? NotBearerMessage : NoKeyMessage;
        await AssertOpenAIErrorAsync(response, 401, message, "invalid_request_error", null, AuthFailure);
        Assert.Empty(Upstream.Requests);
        Assert.Empty(await Router.LogRowsAsync(team.Id));
    }

    [Theory]
    [InlineData("Authorization")]
    [InlineData("api-key")]
    [InlineData("x-api-key")]
    public async Task WrongToken_Is401_WithOnlyItsEndsShown(string header)
    {
        const string wrong = "sk-tr-ThisTokenWasNeverIssuedByAnyRouter0000wxyz";
        var value = header == "Authorization" ? "Bearer " + wrong : wrong;
        using var client = ClientWith(Router, header, value);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));

        await AssertOpenAIErrorAsync(
            response, 401, "Incorrect API key provided: sk-tr-****wxyz.", "invalid_request_error", null, AuthFailure);
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task ConflictingHeaders_AuthorizationWins_ThenApiKey_ThenXApiKey()
    {
        var first = await Router.CreateTeamDirectAsync(UniqueName("c09-first"), 10_000);
        var second = await Router.CreateTeamDirectAsync(UniqueName("c09-second"), 10_000);
        var third = await Router.CreateTeamDirectAsync(UniqueName("c09-third"), 10_000);

        var authorizationWins = await SendWithAsync(
            ("Authorization", "Bearer " + first.Token), ("api-key", second.Token), ("x-api-key", third.Token));
        var apiKeyWins = await SendWithAsync(("api-key", second.Token), ("x-api-key", third.Token));
        var xApiKeyAlone = await SendWithAsync(("x-api-key", third.Token));
        var wrongAuthorizationNotRescued = await SendWithAsync(("Authorization", "Bearer sk-tr-wrong"), ("api-key", second.Token));
        var wrongApiKeyNotRescued = await SendWithAsync(("api-key", "sk-tr-wrong"), ("x-api-key", third.Token));
        var basicNotRescued = await SendWithAsync(("Authorization", "Basic " + first.Token), ("x-api-key", third.Token));

        Assert.Equal(new[] { 200, 200, 200, 401, 401, 401 }, new[]
        {
            authorizationWins, apiKeyWins, xApiKeyAlone, wrongAuthorizationNotRescued, wrongApiKeyNotRescued, basicNotRescued,
        });
        Assert.Single(await Router.LogRowsAsync(first.Id));
        Assert.Single(await Router.LogRowsAsync(second.Id));
        Assert.Single(await Router.LogRowsAsync(third.Id));
        Assert.Equal(3, Upstream.Requests.Count);
        foreach (var forwarded in Upstream.Requests)
        {
            Assert.Equal("Bearer " + RouterServer.ProviderApiKey, forwarded.Header("Authorization"));
            AssertNoTeamToken(forwarded, first.Token);
            AssertNoTeamToken(forwarded, second.Token);
            AssertNoTeamToken(forwarded, third.Token);
        }
    }

    [Fact]
    public async Task HopByHopAndAccountHeaders_StayAtTheProxy_OthersPassThrough()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("hop"), 10_000);
        var body = ChatBody("hi");
        var uri = new Uri(Router.BaseUrl);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        await using var stream = tcp.GetStream();

        // Raw bytes, so that no client library adds, drops or merges a header on the way.
        var request = "POST /v1/chat/completions HTTP/1.1\r\n" +
            $"Host: {uri.Authority}\r\n" +
            $"Authorization: Bearer {team.Token}\r\n" +
            "Content-Type: application/json\r\n" +
            $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n" +
            "Connection: keep-alive\r\n" +
            "Keep-Alive: timeout=5\r\n" +
            "Proxy-Connection: keep-alive\r\n" +
            "Proxy-Authorization: Basic cHJveHk6c2VjcmV0\r\n" +
            "TE: trailers\r\n" +
            "Trailer: X-Checksum\r\n" +
            "OpenAI-Organization: org-team-should-not-choose\r\n" +
            "OpenAI-Project: proj_team\r\n" +
            "Cookie: session=abc\r\n" +
            "Accept-Encoding: gzip, br\r\n" +
            "X-Forwarded-For: 203.0.113.9\r\n" +
            "X-Forwarded-Proto: https\r\n" +
            "OpenAI-Beta: assistants=v2\r\n" +
            "X-Stainless-Lang: js\r\n" +
            "User-Agent: team-app/1.0\r\n" +
            "Idempotency-Key: idem-123\r\n" +
            "\r\n" + body;
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        Assert.Equal("HTTP/1.1 200 OK", await reader.ReadLineAsync());

        var forwarded = Upstream.LastRequest;
        string[] stopped =
        [
            "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "TE", "Trailer", "OpenAI-Organization",
            "OpenAI-Project", "Cookie", "X-Forwarded-For", "X-Original-For", "X-Original-Proto", "api-key", "x-api-key",
        ];
        Assert.DoesNotContain(stopped, name => forwarded.Header(name) is not null);
        Assert.Null(forwarded.Header("Accept-Encoding"));
        Assert.Equal("assistants=v2", forwarded.Header("OpenAI-Beta"));
        Assert.Equal("js", forwarded.Header("X-Stainless-Lang"));
        Assert.Equal("team-app/1.0", forwarded.Header("User-Agent"));
        Assert.Equal("idem-123", forwarded.Header("Idempotency-Key"));
        Assert.Equal(body, forwarded.BodyText);
    }

    [Fact]
    public async Task HeadersNamedInConnection_StayAtTheProxy()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("conn"), 10_000);
        using var client = Router.CreateClient(team.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = Json(ChatBody("hi")) };
        request.Headers.Connection.Add("X-Hop-Secret");
        request.Headers.Connection.Add("x-session-hint");
        request.Headers.Add("X-Hop-Secret", "for-the-proxy-only");
        request.Headers.Add("X-Session-Hint", "sticky-7");
        request.Headers.Add("X-End-To-End", "kept");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Upstream.LastRequest;
        Assert.Null(forwarded.Header("X-Hop-Secret"));
        Assert.Null(forwarded.Header("X-Session-Hint"));
        Assert.Equal("kept", forwarded.Header("X-End-To-End"));
    }

    [Fact]
    public async Task TraceContext_PassesUnchanged_AndNoneIsInvented_EvenWhileTheGatewayTraces()
    {
        const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var team = await Router.CreateTeamDirectAsync(UniqueName("trace"), 10_000);

        // A listener makes the server trace each request; its HTTP stack would then send a
        // traceparent of its own. The test's client adds none, so all the upstream sees is ours to explain.
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null })
        {
            BaseAddress = new Uri(Router.BaseUrl + "/"),
        };
        client.DefaultRequestHeaders.Authorization = new("Bearer", team.Token);

        using var traced = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = Json(ChatBody("hi")) };
        traced.Headers.Add("traceparent", TraceParent);
        traced.Headers.Add("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
        using (var response = await client.SendAsync(traced))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(TraceParent, Upstream.LastRequest.Header("traceparent"));
        Assert.Equal("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", Upstream.LastRequest.Header("tracestate"));

        using (var response = await PostAsync(client, "v1/chat/completions", ChatBody("hi")))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Null(Upstream.LastRequest.Header("traceparent"));
        Assert.Null(Upstream.LastRequest.Header("tracestate"));
    }

    [Fact]
    public async Task ResponseHeaders_RequestIdIsOursAndKeysTheRow_ProviderIdOnlyAColumn_RateLimitsPassThrough()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("req-id"), 10_000);
        Upstream.On("chat/completions").Once(FakeResponse.Default
            .WithHeader("x-request-id", "req_provider_77\"'<script>")
            .WithHeader("openai-organization", "org-provider-account")
            .WithHeader("openai-project", "proj_provider")
            .WithHeader("Set-Cookie", "__cf_bm=abc; path=/")
            .WithHeader("x-ratelimit-remaining-tokens", "1234"));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));

        var ours = Assert.Single(response.Headers.GetValues("x-request-id"));
        Assert.Matches("^req_[0-9a-f]{32}$", ours);
        var row = await SingleRowAsync(Router, team.Id);
        Assert.Equal(ours, row.RequestId);
        Assert.Equal("req_provider_77\"'<script>", row.UpstreamRequestId);
        Assert.False(response.Headers.Contains("openai-organization"));
        Assert.False(response.Headers.Contains("openai-project"));
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Equal("1234", Assert.Single(response.Headers.GetValues("x-ratelimit-remaining-tokens")));
        Assert.Equal("10000", Assert.Single(response.Headers.GetValues("x-ratelimit-limit-requests")));
        Assert.Equal("12", Assert.Single(response.Headers.GetValues("openai-processing-ms")));
    }

    [Fact]
    public async Task RequestId_IsFreshForEveryRequest_AndOnRefusalsToo()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("req-ids"), 10_000);
        using var client = Router.CreateClient(team.Token);

        using var ok = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));
        using var refused = await PostAsync(client, "v1/chat/completions", ChatBody("hi", model: "not-allowed"));

        var ids = new[] { ok, refused }.Select(r => Assert.Single(r.Headers.GetValues("x-request-id"))).ToList();
        var rows = await RowsInOrderAsync(Router, team.Id, 2);
        Assert.Equal(ids, rows.Select(r => r.RequestId));
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Theory]
    [InlineData("POST", "v1/chat/completions", null, HttpStatusCode.Unauthorized)]
    [InlineData("GET", "v1/models", null, HttpStatusCode.Unauthorized)]
    [InlineData("GET", "v1/usage", "wrong-token", HttpStatusCode.Unauthorized)]
    [InlineData("POST", "v1/no/such/endpoint", null, HttpStatusCode.NotFound)]
    [InlineData("GET", "v1/", null, HttpStatusCode.NotFound)]
    public async Task RequestId_IsSentOnAuthenticationAndUnknownPathRefusals(
        string method, string path, string? token, HttpStatusCode status)
    {
        using var client = Router.CreateClient(token);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = Json(ChatBody("hi"));
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        Assert.Matches("^req_[0-9a-f]{32}$", Assert.Single(response.Headers.GetValues("x-request-id")));
    }

    private async Task<int> SendWithAsync(params (string Name, string Value)[] headers)
    {
        using var client = Router.CreateClient(null);
        foreach (var (name, value) in headers)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation(name, value);
        }

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));
        return (int)response.StatusCode;
    }

    private static void AssertNoTeamToken(RecordedRequest forwarded, string token)
    {
        var secret = token[TokenRouter.Proxy.TeamTokens.Prefix.Length..];
        Assert.DoesNotContain(forwarded.Headers, h => h.Value.ToString().Contains(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(secret, forwarded.BodyText, StringComparison.Ordinal);
    }
}
