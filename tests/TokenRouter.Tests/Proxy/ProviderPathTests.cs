using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Proxy;

/// <summary>
/// A provider whose API lives below a path (PROVIDER_BASE_URL=http://host/openai/v1): every
/// request goes below that path, whatever slashes or dots the client's path holds, and never
/// to another host.
/// </summary>
public sealed class ProviderPathTests : IClassFixture<ProviderPathTests.BasePathFixture>
{
    private readonly BasePathFixture _env;

    public ProviderPathTests(BasePathFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    [Theory]
    [InlineData("v1/chat/completions", "/openai/v1/chat/completions")]
    [InlineData("v1//chat/completions", "/openai/v1/chat/completions")]
    [InlineData("v1/chat//completions", "/openai/v1/chat/completions")]
    [InlineData("v1//batches", "/openai/v1/batches")]
    [InlineData("v1///evil.example/steal", "/openai/v1/evil.example/steal")]
    [InlineData("v1/files/a%20b/content", "/openai/v1/files/a b/content")]
    [InlineData("v1/files/a%2Fb", "/openai/v1/files/a%2Fb")]
    public async Task ForwardedPath_StaysBelowTheProviderBasePath(string path, string forwardedPath)
    {
        var router = _env.Router;
        var team = await router.CreateTeamDirectAsync(UniqueName("base-path"), 100_000);
        using var client = router.CreateClient(team.Token);

        using var response = await PostAsync(client, path + "?x=1", ChatBody("hi"));

        var forwarded = Assert.Single(_env.Upstream.Requests);
        Assert.Equal(forwardedPath, forwarded.Path);
        Assert.Equal("?x=1", forwarded.Query);
    }

    [Theory]
    [InlineData("http://host/openai/v1", "chat/completions", "http://host/openai/v1/chat/completions")]
    [InlineData("http://host/openai/v1/", "//chat/completions", "http://host/openai/v1/chat/completions")]
    [InlineData("https://host:8443/", "./../files/../../x", "https://host:8443/files/x")]
    [InlineData("http://host/v1/", "//evil.example/v1/models", "http://host/v1/evil.example/v1/models")]
    public void ProviderUrl_AppendsTheCleanPathToTheBasePath(string baseUrl, string path, string expected)
    {
        var endpoint = TokenRouter.Proxy.ApiEndpoint.ForPath(path, "GET");

        Assert.Equal(expected, endpoint.ProviderUrl(new Uri(baseUrl), "?a=1").AbsoluteUri.Replace("?a=1", ""));
    }

    public sealed class BasePathFixture() : RouterFixture(s => s with
    {
        ProviderBaseUrl = new Uri(s.ProviderBaseUrl, "/openai/v1/"),
        ForwardUnknownEndpoints = true,
    });
}
