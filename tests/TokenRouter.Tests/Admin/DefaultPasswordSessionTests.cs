using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using TokenRouter.Config;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Admin;

/// <summary>
/// The session endpoint tells a signed-in admin that the default password is in use, and
/// tells no one else: before sign-in it must not hint which password to try first.
/// </summary>
public sealed class DefaultPasswordSessionTests
{
    [Fact]
    public async Task Session_AnonymousOnDefaultPassword_AnswersExactlyAsWithAnOwnPassword()
    {
        await using var withDefault = await RouterFixture.StartAsync(
            s => s with { AdminPassword = RouterSettings.DefaultAdminPassword });
        await using var withOwn = await RouterFixture.StartAsync();

        var onDefault = await AnonymousSessionAsync(withDefault.Router);
        var onOwn = await AnonymousSessionAsync(withOwn.Router);

        Assert.False(onDefault["authenticated"]!.GetValue<bool>());
        Assert.Null(onDefault["default_password"]);
        Assert.True(JsonNode.DeepEquals(onDefault, onOwn), $"default: {onDefault}\nown: {onOwn}");
    }

    [Fact]
    public async Task Session_SignedInOnDefaultPassword_SaysSo()
    {
        await using var env = await RouterFixture.StartAsync(
            s => s with { AdminPassword = RouterSettings.DefaultAdminPassword });
        using var browser = BrowserClient(env.Router);

        using var login = await browser.PostAsJsonAsync(
            "/admin/api/login", new { password = RouterSettings.DefaultAdminPassword });
        login.EnsureSuccessStatusCode();
        var session = await browser.GetFromJsonAsync<JsonElement>("/admin/api/session");

        Assert.True(session.GetProperty("authenticated").GetBoolean());
        Assert.True(session.GetProperty("default_password").GetBoolean());
    }

    /// <summary>The anonymous session without its CSRF token, which differs on every call.</summary>
    private static async Task<JsonObject> AnonymousSessionAsync(RouterServer router)
    {
        using var browser = BrowserClient(router);
        var session = (await browser.GetFromJsonAsync<JsonObject>("/admin/api/session"))!;
        Assert.False(string.IsNullOrEmpty(session["csrf_token"]?.GetValue<string>()));
        session.Remove("csrf_token");
        return session;
    }

    private static HttpClient BrowserClient(RouterServer router) =>
        new(new HttpClientHandler { UseCookies = true }) { BaseAddress = new Uri(router.BaseUrl) };
}
