using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TokenRouter.Admin;

namespace TokenRouter.Tests.Admin;

/// <summary>
/// What a hostile page could make the admin's browser send (a text/plain or cross-site sign-in,
/// a foreign Origin) is refused before it counts as a wrong password. These tests send many wrong
/// passwords, so they get a server of their own.
/// </summary>
public sealed class ForgedRequestTests(AdminServer server) : IClassFixture<AdminServer>
{
    private const int MoreThanTheLockout = LoginThrottle.AllowedFailures + 2;

    private static HttpRequestMessage Login(string password, string contentType = "application/json") => new(HttpMethod.Post, "/admin/api/login")
    {
        Content = new StringContent(JsonSerializer.Serialize(new { password }), Encoding.UTF8, contentType),
    };

    private static async Task<string?> CodeOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString();

    private async Task AssertStillAllowedToSignInAsync()
    {
        using var browser = server.BrowserClient();
        await AdminServer.SignInAsync(browser);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data")]
    public async Task Login_BodyThatIsNotJson_Is415_AndNeverCountsAsAWrongPassword(string contentType)
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        for (var i = 0; i < MoreThanTheLockout; i++)
        {
            using var response = await client.SendAsync(Login("guess-" + i, contentType));
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            Assert.Equal("unsupported_media_type", await CodeOf(response));
        }

        await AssertStillAllowedToSignInAsync();
    }

    [Theory]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Origin", "null")]
    public async Task Login_FromAnotherSite_Is403_AndNeverCountsAsAWrongPassword(string header, string value)
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        for (var i = 0; i < MoreThanTheLockout; i++)
        {
            using var request = Login("guess-" + i);
            request.Headers.TryAddWithoutValidation(header, value);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("cross_site_request", await CodeOf(response));
        }

        await AssertStillAllowedToSignInAsync();
        Assert.Contains(server.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("sent from another site"));
    }

    [Fact]
    public async Task Login_FromThePanelsOwnOrigin_Succeeds()
    {
        using var browser = server.BrowserClient();
        using var request = Login(AdminServer.Password);
        request.Headers.Add("Origin", server.BaseAddress.GetLeftPart(UriPartial.Authority));
        request.Headers.Add("Sec-Fetch-Site", "same-origin");

        using var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("https", HttpStatusCode.OK)]
    [InlineData("http", HttpStatusCode.Forbidden)]
    public async Task Login_BehindATrustedHttpsProxy_OriginIsComparedWithTheForwardedScheme(string originScheme, HttpStatusCode expected)
    {
        using var browser = server.BrowserClient();
        using var request = Login(AdminServer.Password);
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("Origin", $"{originScheme}://{server.BaseAddress.Authority}");

        using var response = await browser.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Bearer_StateChangingCallWithoutABody_IsNotRefused()
    {
        using var client = server.BearerClient();
        var team = await server.CreateTeamAsync(new { name = "no-body-" + Guid.NewGuid().ToString("N")[..8], quota = 1 });

        using var response = await client.PostAsync($"/admin/api/teams/{team.GetProperty("id").GetInt64()}/rotate", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Cookie_StateChangingCallFromAnotherSite_Is403EvenWithTheCsrfToken()
    {
        using var browser = server.BrowserClient();
        var csrf = await AdminServer.SignInAsync(browser);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/api/teams")
        {
            Content = JsonContent.Create(new { name = "xsite", quota = 1 }),
        };
        request.Headers.Add("X-CSRF-TOKEN", csrf);
        request.Headers.Add("Sec-Fetch-Site", "cross-site");

        using var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
