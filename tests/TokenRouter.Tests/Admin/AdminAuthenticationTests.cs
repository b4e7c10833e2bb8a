using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TokenRouter.Admin;

namespace TokenRouter.Tests.Admin;

public sealed class AdminAuthenticationTests(AdminServer server) : IClassFixture<AdminServer>
{
    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").Clone();

    private static HttpRequestMessage CreateTeamRequest(string? csrf)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/api/teams")
        {
            Content = JsonContent.Create(new { name = "t-" + Guid.NewGuid().ToString("N")[..12], quota = 1 }),
        };
        if (csrf is not null)
        {
            request.Headers.Add("X-CSRF-TOKEN", csrf);
        }

        return request;
    }

    [Theory]
    [InlineData("GET", "/admin/api/teams")]
    [InlineData("POST", "/admin/api/teams")]
    [InlineData("GET", "/admin/api/logs")]
    [InlineData("GET", "/admin/api/logs.csv")]
    [InlineData("GET", "/admin/api/usage")]
    [InlineData("GET", "/admin/api/settings")]
    [InlineData("POST", "/admin/api/logout")]
    public async Task Endpoint_WithoutCredentials_Returns401Json(string method, string path)
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("authentication_error", (await ErrorOf(response)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Bearer_WrongPassword_Returns401AndLogsTheAddressButNotThePassword()
    {
        using var client = server.BearerClient("not-the-password-xyz");
        var before = server.Logs.Entries.Count;

        var response = await client.GetAsync("/admin/api/teams");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_password", (await ErrorOf(response)).GetProperty("code").GetString());
        var warning = Assert.Single(server.Logs.Entries.Skip(before),
            e => e.Level == LogLevel.Warning && e.Message.Contains("Wrong admin password"));
        Assert.Contains("127.0.0.1", warning.Message);
        Assert.DoesNotContain(server.Logs.Entries, e => e.Message.Contains("not-the-password-xyz"));
    }

    [Fact]
    public async Task Bearer_TeamTokenOnV1_IsNotJudgedAsAdminPassword()
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-tr-someteamtoken");
        var before = server.Logs.Entries.Count;

        await client.GetAsync("/v1/models");
        await client.PostAsJsonAsync("/v1/chat/completions", new { model = "GPT-5-mini" });

        Assert.DoesNotContain(server.Logs.Entries.Skip(before), e => e.Message.Contains("admin password", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Bearer_StateChangingCall_NeedsNoCsrfToken()
    {
        using var client = server.BearerClient();

        var response = await client.SendAsync(CreateTeamRequest(csrf: null));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Session_Anonymous_SaysNotAuthenticatedAndGivesCsrfToken()
    {
        using var browser = server.BrowserClient();

        var session = await browser.GetFromJsonAsync<JsonElement>("/admin/api/session");

        Assert.False(session.GetProperty("authenticated").GetBoolean());
        Assert.Equal(JsonValueKind.Null, session.GetProperty("default_password").ValueKind);
        Assert.False(string.IsNullOrEmpty(session.GetProperty("csrf_token").GetString()));
        Assert.DoesNotContain(server.Logs.Entries, e => e.Category.Contains("Antiforgery") && e.Message.Contains("Cache-Control"));
    }

    [Fact]
    public async Task Login_SetsHttpOnlyStrictSessionCookie()
    {
        using var browser = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.BaseAddress };

        var response = await browser.PostAsJsonAsync("/admin/api/login", new { password = AdminServer.Password });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("tr_admin=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/admin", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("expires", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(server.Logs.Entries, e => e.Message.Contains("Admin signed in from 127.0.0.1"));
    }

    [Fact]
    public async Task Cookie_ReadsWork_AndSessionSaysAuthenticated()
    {
        using var browser = server.BrowserClient();
        await AdminServer.SignInAsync(browser);

        var teams = await browser.GetAsync("/admin/api/teams");
        var session = await browser.GetFromJsonAsync<JsonElement>("/admin/api/session");

        Assert.Equal(HttpStatusCode.OK, teams.StatusCode);
        Assert.True(session.GetProperty("authenticated").GetBoolean());
    }

    [Fact]
    public async Task Cookie_StateChangingCallWithoutCsrf_Returns403Json()
    {
        using var browser = server.BrowserClient();
        await AdminServer.SignInAsync(browser);

        var response = await browser.SendAsync(CreateTeamRequest(csrf: null));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("csrf_failed", (await ErrorOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Cookie_StateChangingCallWithWrongCsrf_Returns403Json()
    {
        using var browser = server.BrowserClient();
        var csrf = await AdminServer.SignInAsync(browser);

        var response = await browser.SendAsync(CreateTeamRequest(csrf[..^4] + "AAAA"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("csrf_failed", (await ErrorOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Cookie_CsrfTokenOfAnotherBrowser_Returns403()
    {
        using var mine = server.BrowserClient();
        using var theirs = server.BrowserClient();
        await AdminServer.SignInAsync(mine);
        var theirToken = await AdminServer.SignInAsync(theirs);

        var response = await mine.SendAsync(CreateTeamRequest(theirToken));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Cookie_StateChangingCallWithCsrf_Succeeds()
    {
        using var browser = server.BrowserClient();
        var csrf = await AdminServer.SignInAsync(browser);

        var response = await browser.SendAsync(CreateTeamRequest(csrf));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Cookie_CsrfFromSessionEndpoint_AlsoWorks()
    {
        using var browser = server.BrowserClient();
        await AdminServer.SignInAsync(browser);
        var session = await browser.GetFromJsonAsync<JsonElement>("/admin/api/session");

        var response = await browser.SendAsync(CreateTeamRequest(session.GetProperty("csrf_token").GetString()));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Logout_EndsTheSession()
    {
        using var browser = server.BrowserClient();
        var csrf = await AdminServer.SignInAsync(browser);
        using var logout = new HttpRequestMessage(HttpMethod.Post, "/admin/api/logout");
        logout.Headers.Add("X-CSRF-TOKEN", csrf);

        var response = await browser.SendAsync(logout);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/admin/api/teams")).StatusCode);
        Assert.False((await browser.GetFromJsonAsync<JsonElement>("/admin/api/session")).GetProperty("authenticated").GetBoolean());
    }

    [Fact]
    public async Task Logout_ACopyOfTheCookieTakenBefore_StopsWorking()
    {
        var jar = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = jar }) { BaseAddress = server.BaseAddress };
        var csrf = await AdminServer.SignInAsync(browser);
        var cookie = jar.GetCookies(new Uri(server.BaseAddress, "/admin/api/"))[AdminAuthentication.CookieName]!.Value;
        using var copy = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.BaseAddress };
        copy.DefaultRequestHeaders.Add("Cookie", $"{AdminAuthentication.CookieName}={cookie}");
        var beforeLogout = await copy.GetAsync("/admin/api/teams");
        using var logout = new HttpRequestMessage(HttpMethod.Post, "/admin/api/logout");
        logout.Headers.Add("X-CSRF-TOKEN", csrf);

        Assert.Equal(HttpStatusCode.NoContent, (await browser.SendAsync(logout)).StatusCode);
        var afterLogout = await copy.GetAsync("/admin/api/teams");

        Assert.Equal(HttpStatusCode.OK, beforeLogout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterLogout.StatusCode);
    }

    [Fact]
    public async Task Logout_EndsOnlyThatBrowsersSession()
    {
        using var leaving = server.BrowserClient();
        using var staying = server.BrowserClient();
        var csrf = await AdminServer.SignInAsync(leaving);
        await AdminServer.SignInAsync(staying);
        using var logout = new HttpRequestMessage(HttpMethod.Post, "/admin/api/logout");
        logout.Headers.Add("X-CSRF-TOKEN", csrf);

        await leaving.SendAsync(logout);

        Assert.Equal(HttpStatusCode.OK, (await staying.GetAsync("/admin/api/teams")).StatusCode);
    }

    [Fact]
    public async Task Login_CookieHoldsOnlyAKey_TheTicketIsKeptOnTheServer()
    {
        var jar = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = jar }) { BaseAddress = server.BaseAddress };

        await AdminServer.SignInAsync(browser);

        var cookie = jar.GetCookies(new Uri(server.BaseAddress, "/admin/api/"))[AdminAuthentication.CookieName]!.Value;
        Assert.True(cookie.Length < 600, $"The cookie is {cookie.Length} characters.");
        Assert.True(Tests.Storage.BooksTestKit.Scalar(server.Settings.DatabasePath, "SELECT count(*) FROM admin_sessions") > 0);
    }

    [Fact]
    public async Task Logout_WithoutCsrf_Returns403AndKeepsTheSession()
    {
        using var browser = server.BrowserClient();
        await AdminServer.SignInAsync(browser);

        var response = await browser.PostAsync("/admin/api/logout", null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/admin/api/teams")).StatusCode);
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"password":12}""")]
    [InlineData("""nope""")]
    public async Task Login_MalformedBody_Returns400(string body)
    {
        using var browser = server.BrowserClient();

        var response = await browser.PostAsync("/admin/api/login", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (await ErrorOf(response)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task AdminResponses_CarrySecurityHeaders()
    {
        using var client = server.BearerClient();

        var response = await client.GetAsync("/admin/api/teams");

        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.True(response.Headers.CacheControl?.NoStore);
    }
}

/// <summary>Lockout changes the server's state for the address, so it gets a server of its own.</summary>
public sealed class AdminLockoutTests(AdminServer server) : IClassFixture<AdminServer>
{
    [Fact]
    public async Task Login_FiveWrongPasswords_LocksTheAddressOutEvenForTheRightOne()
    {
        using var browser = server.BrowserClient();
        for (var i = 0; i < LoginThrottle.AllowedFailures; i++)
        {
            var wrong = await browser.PostAsJsonAsync("/admin/api/login", new { password = "guess-" + i });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        var locked = await browser.PostAsJsonAsync("/admin/api/login", new { password = AdminServer.Password });
        using var bearer = server.BearerClient();
        var lockedBearer = await bearer.GetAsync("/admin/api/teams");

        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.True(locked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("too_many_attempts",
            JsonDocument.Parse(await locked.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, lockedBearer.StatusCode);
        Assert.Equal(LoginThrottle.AllowedFailures,
            server.Logs.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("Wrong admin password from 127.0.0.1")));
        Assert.Contains(server.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("locked out"));
        Assert.DoesNotContain(server.Logs.Entries, e => e.Message.Contains("guess-"));
    }
}
