using System.Net;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Security;

/// <summary>
/// Issue 6 and C10: the panel, the docs and the admin API cannot be framed, sniffed or made to
/// run inline script, on every answer (pages, JSON, errors, unknown paths, odd spellings).
/// </summary>
public sealed class SecurityHeadersTests : IClassFixture<RouterFixture>
{
    private readonly RouterFixture _fixture;

    public SecurityHeadersTests(RouterFixture fixture) => _fixture = fixture;

    [Theory]
    [InlineData("admin")]
    [InlineData("admin/")]
    [InlineData("admin/index.html")]
    [InlineData("admin/no-such-page")]
    [InlineData("admin/api/session")]
    [InlineData("admin/api/teams")]
    [InlineData("admin/api/no-such-endpoint")]
    [InlineData("ADMIN/api/session")]
    [InlineData("admin/%2e%2e/admin/api/session")]
    [InlineData("docs")]
    [InlineData("docs/")]
    [InlineData("docs/index.html")]
    [InlineData("openapi/v1.json")]
    public async Task PanelDocsAndAdminApi_EveryAnswer_CarriesTheSecurityHeaders(string path)
    {
        using var client = _fixture.Router.CreateClient(null);

        using var response = await client.GetAsync(path);

        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        var csp = Single(response, "Content-Security-Policy");
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("object-src 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("DENY", Single(response, "X-Frame-Options"));
        Assert.Equal("nosniff", Single(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Single(response, "Referrer-Policy"));
        Assert.False(response.Headers.Contains("Server"), "The server names itself.");
    }

    private static string Single(HttpResponseMessage response, string name)
    {
        Assert.True(response.Headers.TryGetValues(name, out var values),
            $"No {name} header on {response.RequestMessage?.RequestUri} ({(int)response.StatusCode}).");
        return Assert.Single(values);
    }
}
