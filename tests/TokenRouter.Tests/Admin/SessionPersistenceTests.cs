using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Admin;

/// <summary>
/// The keys that seal admin cookies live in the database: a session opened on one instance
/// is accepted by another on the same database (as after a restart), until ADMIN_PASSWORD changes.
/// </summary>
public sealed class SessionPersistenceTests
{
    private static readonly Uri NoProvider = new("http://127.0.0.1:9/v1/");

    [Fact]
    public async Task SessionCookie_FromOneInstance_IsAcceptedByAnotherOnTheSameDatabase()
    {
        await using var first = await RouterServer.StartAsync(NoProvider);
        var (cookies, csrf) = await SignInAsync(first);
        await using var second = await RouterServer.StartAsync(NoProvider, s => s with { DatabasePath = first.DatabasePath });

        using var session = await SendAsync(second, HttpMethod.Get, "admin/api/session", cookies, csrf: null);
        using var created = await SendAsync(second, HttpMethod.Post, "admin/api/teams", cookies, csrf,
            JsonContent.Create(new { name = "made-on-second", quota = 10 }));

        Assert.True((await session.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authenticated").GetBoolean());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(1, new TokenRouter.Tests.Reliability.BooksFile(first.DatabasePath)
            .Scalar("SELECT count(*) FROM protection_keys"));
    }

    [Fact]
    public async Task SessionCookie_AfterTheAdminPasswordChanged_IsRefused()
    {
        await using var first = await RouterServer.StartAsync(NoProvider);
        var (cookies, _) = await SignInAsync(first);
        await using var second = await RouterServer.StartAsync(
            NoProvider, s => s with { DatabasePath = first.DatabasePath, AdminPassword = "a-new-admin-password" });

        using var refused = await SendAsync(second, HttpMethod.Get, "admin/api/teams", cookies, csrf: null);
        using var stillGood = await SendAsync(first, HttpMethod.Get, "admin/api/teams", cookies, csrf: null);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillGood.StatusCode);
    }

    private static async Task<(string Cookies, string Csrf)> SignInAsync(RouterServer server)
    {
        using var browser = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = server.Http.BaseAddress };
        using var login = await browser.PostAsJsonAsync("admin/api/login", new { password = RouterServer.AdminPassword });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var cookies = string.Join("; ", login.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        var csrf = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrf_token").GetString()!;
        return (cookies, csrf);
    }

    private static async Task<HttpResponseMessage> SendAsync(
        RouterServer server, HttpMethod method, string path, string cookies, string? csrf, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("Cookie", cookies);
        if (csrf is not null)
        {
            request.Headers.Add("X-CSRF-TOKEN", csrf);
        }

        using var browser = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = server.Http.BaseAddress };
        return await browser.SendAsync(request);
    }
}
