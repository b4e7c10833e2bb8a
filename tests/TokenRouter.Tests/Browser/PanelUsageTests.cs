using System.Net;
using System.Net.Http.Json;
using TokenRouter.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TokenRouter.Tests.Browser;

/// <summary>The usage page's breakdowns after real traffic: what each table counts and how it names things.</summary>
public sealed class PanelUsageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task ByModel_ListsOnlyForwardedModels_AndByTeam_MarksADeletedTeam()
    {
        await using var env = await RouterFixture.StartAsync();
        var team = await env.Router.CreateTeamAsync("research", 100_000);
        var gone = await env.Router.CreateTeamAsync("old-team", 100_000);
        using (var client = env.Router.CreateClient(team.Token))
        {
            // A forwarded chat, two calls that name no model, one refused model name.
            (await client.PostAsJsonAsync("v1/chat/completions", Chat("gpt-4o-mini"))).EnsureSuccessStatusCode();
            (await client.GetAsync("v1/models")).EnsureSuccessStatusCode();
            (await client.GetAsync("v1/usage")).EnsureSuccessStatusCode();
            Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("v1/chat/completions", Chat("+1+1"))).StatusCode);
        }

        using (var client = env.Router.CreateClient(gone.Token))
        {
            (await client.PostAsJsonAsync("v1/chat/completions", Chat("GPT-5-nano"))).EnsureSuccessStatusCode();
        }

        await env.Router.WaitForLogRowsAsync(null, 5);
        using (var admin = env.Router.CreateAdminClient())
        {
            (await admin.DeleteAsync($"admin/api/teams/{gone.Id}")).EnsureSuccessStatusCode();
        }

        await using var panel = await browser.OpenAsync(env.Router);
        await panel.LoginAsync(RouterServer.AdminPassword);
        await panel.ShowAsync("usage");

        var byModel = panel.Page.Locator("section").Filter(new() { HasText = "By model" }).Locator("tbody th");
        await Expect(byModel).ToHaveCountAsync(2);
        Assert.Equal(["GPT-5-nano", "gpt-4o-mini"], (await byModel.AllInnerTextsAsync()).Order(StringComparer.Ordinal));
        var byTeam = panel.Page.Locator("section").Filter(new() { HasText = "By team" }).Locator("tbody th");
        await Expect(byTeam.Filter(new() { HasText = "old-team" })).ToHaveTextAsync("old-team (deleted)");
        await Expect(byTeam.Filter(new() { HasText = "research" })).ToHaveTextAsync("research");
        panel.AssertNothingUnexpected();
    }

    private static object Chat(string model) => new { model, messages = new[] { new { role = "user", content = "Hi" } } };
}
