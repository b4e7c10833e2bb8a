using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OpenAI.Chat;
using TokenRouter.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TokenRouter.Tests.Browser;

/// <summary>The panel under attack: writes without the CSRF token, and hostile names (case C10).</summary>
public sealed class PanelSecurityTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string HostileTeam = "<img src=x onerror=alert(1)>";
    private const string HostileTeam2 = "\"><svg onload=alert(2)>";
    private const string HostileEndUser = "\"><script>alert(1)</script>";

    [BrowserFact]
    public async Task Csrf_WriteWithTheSessionCookieButNoToken_IsRefusedAndChangesNothing()
    {
        await using var env = await RouterFixture.StartAsync();
        await using var panel = await browser.OpenAsync(env.Router);
        await panel.LoginAsync(RouterServer.AdminPassword);

        // What a forged request carries: the cookie, not the header.
        var forged = await panel.Page.EvaluateAsync<JsonElement>("""
            async () => {
              const response = await fetch('/admin/api/teams', {
                method: 'POST', headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ name: 'forged', quota: 1 }) });
              return { status: response.status, body: await response.text() };
            }
            """);
        Assert.Equal(403, forged.GetProperty("status").GetInt32());
        var refusal = JsonNode.Parse(forged.GetProperty("body").GetString()!)!;
        Assert.Equal("csrf_failed", refusal["error"]!["code"]!.GetValue<string>());

        // The same call with the session's token goes through: the header made the difference.
        var genuine = await panel.Page.EvaluateAsync<JsonElement>("""
            async () => {
              const session = await (await fetch('/admin/api/session')).json();
              const response = await fetch('/admin/api/teams', {
                method: 'POST',
                headers: { 'Content-Type': 'application/json', 'X-CSRF-TOKEN': session.csrf_token },
                body: JSON.stringify({ name: 'genuine', quota: 1 }) });
              return { status: response.status, body: await response.text() };
            }
            """);
        Assert.Equal(201, genuine.GetProperty("status").GetInt32());
        Assert.Equal(["genuine"], await TeamNamesAsync(env.Router));
    }

    [BrowserFact]
    public async Task Csrf_PanelWriteStrippedOfItsToken_ShowsTheRefusal()
    {
        await using var env = await RouterFixture.StartAsync();
        await using var panel = await browser.OpenAsync(env.Router);
        await panel.LoginAsync(RouterServer.AdminPassword);

        // Remove the header on its way out, as a page on another site could not have set it.
        await panel.Page.RouteAsync("**/admin/api/teams", async route =>
        {
            var headers = route.Request.Headers
                .Where(h => !h.Key.Equals("x-csrf-token", StringComparison.OrdinalIgnoreCase))
                .ToDictionary(h => h.Key, h => h.Value);
            await route.ContinueAsync(new RouteContinueOptions { Headers = headers });
        });
        await panel.Button("New team").ClickAsync();
        await panel.DialogField("Name").FillAsync("stripped");
        await panel.DialogField("Token quota").FillAsync("10");
        await panel.DialogButton("Create team").ClickAsync();

        await Expect(panel.OpenDialog.Locator(".error")).ToContainTextAsync("X-CSRF-TOKEN");
        Assert.Empty(await TeamNamesAsync(env.Router));
        panel.AssertNothingUnexpected();
    }

    [BrowserFact]
    public async Task HostileNames_EveryPageOnDesktopAndPhone_ShownAsTextWithNothingRun()
    {
        await using var env = await RouterFixture.StartAsync();
        var team = await env.Router.CreateTeamAsync(HostileTeam, 100_000);
        await env.Router.CreateTeamAsync(HostileTeam2, 100_000);
        var options = new ChatCompletionOptions { EndUserId = HostileEndUser };
        await OpenAIClients.Chat(env.Router, team.Token).CompleteChatAsync([new UserChatMessage("Hi")], options);
        await env.Router.WaitForLogRowsAsync(team.Id, 1);

        foreach (var viewport in new[] { PanelViewport.Desktop, PanelViewport.Phone })
        {
            await using var panel = await browser.OpenAsync(env.Router, viewport);
            await panel.LoginAsync(RouterServer.AdminPassword);
            await ShowsLiterallyAsync(panel, ".team-name .name", HostileTeam);
            await ShowsLiterallyAsync(panel, ".team-name .name", HostileTeam2);
            await panel.ScreenshotAsync("c10-teams");

            // The dialogs put the name in too.
            await panel.TeamRow(HostileTeam).GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
            await Expect(panel.DialogField("Name")).ToHaveValueAsync(HostileTeam);
            await panel.DialogButton("Cancel").ClickAsync();
            await panel.TeamRow(HostileTeam).GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
            await ShowsLiterallyAsync(panel, "dialog[open] strong", HostileTeam);
            await panel.DialogButton("Cancel").ClickAsync();

            await panel.ShowAsync("usage");
            await ShowsLiterallyAsync(panel, "tbody th", HostileTeam);
            await panel.Field("Team").SelectOptionAsync(new SelectOptionValue { Label = HostileTeam });
            var title = panel.Page.GetByRole(AriaRole.Heading, new() { Name = "Tokens over time · " + HostileTeam });
            await Expect(title).ToBeVisibleAsync();
            await panel.ScreenshotAsync("c10-usage");

            await panel.ShowAsync("logs");
            await ShowsLiterallyAsync(panel, "td[data-label='Team']", HostileTeam);
            await ShowsLiterallyAsync(panel, "td[data-label='End user']", HostileEndUser);
            await panel.ScreenshotAsync("c10-logs");

            await panel.ShowAsync("settings");
            await panel.ShowAsync("teams");

            // Nothing the names spell out became an element, and no script ran.
            Assert.Equal(0, await panel.Page.Locator("img[src='x'], svg[onload], main script").CountAsync());
            Assert.Equal(1, await panel.Page.Locator("script").CountAsync());
            panel.AssertNothingUnexpected();
        }
    }

    /// <summary>Waits for an element matching <paramref name="selector"/> whose whole text is <paramref name="text"/>.</summary>
    private static async Task ShowsLiterallyAsync(PanelPage panel, string selector, string text)
    {
        var exactly = new Regex("^" + Regex.Escape(text) + "$");
        await Expect(panel.Page.Locator(selector).Filter(new() { HasTextRegex = exactly }).First).ToBeVisibleAsync();
    }

    private static async Task<string[]> TeamNamesAsync(RouterServer router)
    {
        using var admin = router.CreateAdminClient();
        var teams = await admin.GetFromJsonAsync<JsonNode>("admin/api/teams");
        return [.. teams!["data"]!.AsArray().Select(team => team!["name"]!.GetValue<string>())];
    }
}
