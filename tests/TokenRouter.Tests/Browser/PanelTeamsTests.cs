using System.ClientModel;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using OpenAI.Chat;
using TokenRouter.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TokenRouter.Tests.Browser;

/// <summary>The teams page in Chromium: a team's whole life, driven in the panel, checked through the API.</summary>
public sealed class PanelTeamsTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task Team_CreateUseEditResetRotateDelete_EveryStepShowsAtOnce()
    {
        await using var env = await RouterFixture.StartAsync();
        await using var panel = await browser.OpenAsync(env.Router);
        await panel.Page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await panel.LoginAsync(RouterServer.AdminPassword);

        // Create: the token is shown once, copied by the button, and the row appears.
        var token = await CreateInFormAsync(panel, "platform", 100_000, copy: true);
        Assert.Equal(token, await panel.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        var row = panel.TeamRow("platform");
        await Expect(row.Locator("[data-label='Quota']")).ToHaveTextAsync("100,000");
        await Expect(row.Locator("[data-label='Token']")).ToHaveTextAsync(token[..10] + "…");
        await Expect(row.Locator("[data-label='Status']")).ToHaveTextAsync("enabled");
        var teamId = long.Parse((await row.GetAttributeAsync("data-team-id"))!, CultureInfo.InvariantCulture);

        // Use: the token works with the official SDK through the router.
        var answer = await OpenAIClients.Chat(env.Router, token).CompleteChatAsync([new UserChatMessage("Hello")]);
        Assert.Equal(18, answer.Value.Usage.TotalTokenCount);
        var logged = Assert.Single(await env.Router.WaitForLogRowsAsync(teamId, 1));

        await panel.Button("Refresh").ClickAsync();
        await Expect(row.Locator("[data-label='Used']")).ToHaveTextAsync("18");
        await Expect(row.Locator("[data-label='Remaining']")).ToContainTextAsync("99,982");

        // The request in the log page...
        await panel.ShowAsync("logs");
        var logRow = panel.Page.Locator($"tr[data-request-id='{logged.RequestId}']");
        await Expect(logRow.Locator("[data-label='Team']")).ToHaveTextAsync("platform");
        await Expect(logRow.Locator("[data-label='Model']")).ToContainTextAsync("gpt-4o-mini");
        await Expect(logRow.Locator("[data-label='Status']")).ToContainTextAsync("200");
        await Expect(logRow.Locator("[data-label='Tokens']")).ToHaveTextAsync("18");
        await Expect(logRow.Locator("[data-label='Request id']")).ToHaveTextAsync(logged.RequestId);

        // ... and in the usage chart, for all teams and for this one.
        await panel.ShowAsync("usage");
        await Expect(panel.Page.Locator("svg.chart rect.column[data-tokens='18']")).ToHaveCountAsync(1);
        await panel.Field("Team").SelectOptionAsync(new SelectOptionValue { Label = "platform" });
        var title = panel.Page.GetByRole(AriaRole.Heading, new() { Name = "Tokens over time · platform" });
        await Expect(title).ToBeVisibleAsync();
        await Expect(panel.Page.Locator("svg.chart rect.column[data-tokens='18']")).ToHaveCountAsync(1);
        await Expect(panel.Page.Locator(".card").First.Locator(".card-value")).ToHaveTextAsync("18");
        var modelRow = panel.Page.Locator("tr").Filter(new() { HasText = "gpt-4o-mini" });
        await Expect(modelRow.Locator("[data-label='Tokens']")).ToHaveTextAsync("18");

        // Edit name and quota.
        await panel.ShowAsync("teams");
        await row.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await panel.DialogField("Name").FillAsync("platform-2");
        await panel.DialogField("Token quota").FillAsync("250000");
        await panel.DialogButton("Save changes").ClickAsync();
        await Expect(panel.OpenDialog).ToHaveCountAsync(0);
        row = panel.TeamRow("platform-2");
        await Expect(row.Locator("[data-label='Quota']")).ToHaveTextAsync("250,000");
        var stored = await GetTeamAsync(env.Router, teamId);
        Assert.Equal("platform-2", stored!["name"]!.GetValue<string>());
        Assert.Equal(250_000, stored["quota"]!.GetValue<long>());

        // Reset usage.
        await row.GetByRole(AriaRole.Button, new() { Name = "Reset" }).ClickAsync();
        await panel.DialogButton("Reset usage").ClickAsync();
        await Expect(row.Locator("[data-label='Used']")).ToHaveTextAsync("0");
        Assert.Equal(0, (await GetTeamAsync(env.Router, teamId))!["used"]!.GetValue<long>());

        // Rotate: a new token, shown once; the old one stops working at once.
        await row.GetByRole(AriaRole.Button, new() { Name = "Rotate" }).ClickAsync();
        await panel.DialogButton("Rotate token").ClickAsync();
        var rotated = await ReadTokenDialogAsync(panel);
        Assert.NotEqual(token, rotated);
        await Expect(row.Locator("[data-label='Token']")).ToHaveTextAsync(rotated[..10] + "…");
        var refused = await Assert.ThrowsAsync<ClientResultException>(
            () => OpenAIClients.Chat(env.Router, token).CompleteChatAsync([new UserChatMessage("Hello")]));
        Assert.Equal(401, refused.Status);
        await OpenAIClients.Chat(env.Router, rotated).CompleteChatAsync([new UserChatMessage("Hello")]);

        // Delete, after a confirmation.
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(panel.OpenDialog).ToContainTextAsync("platform-2");
        await panel.DialogButton("Delete team").ClickAsync();
        await Expect(panel.Page.Locator("tr[data-team-id]")).ToHaveCountAsync(0);
        Assert.Null(await GetTeamAsync(env.Router, teamId));

        panel.AssertNothingUnexpected();
    }

    [BrowserFact]
    public async Task CreateTeam_NameTaken_ShowsTheServersMessageInTheForm()
    {
        await using var env = await RouterFixture.StartAsync();
        await env.Router.CreateTeamAsync("alpha", 1000);
        var serverMessage = await RefusalMessageAsync(env.Router, new { name = "alpha", quota = 5 });
        await using var panel = await browser.OpenAsync(env.Router);
        await panel.LoginAsync(RouterServer.AdminPassword);

        await panel.Button("New team").ClickAsync();
        await panel.DialogField("Name").FillAsync("alpha");
        await panel.DialogField("Token quota").FillAsync("5");
        await panel.DialogButton("Create team").ClickAsync();

        await Expect(panel.OpenDialog.Locator(".error")).ToHaveTextAsync(serverMessage);
        await panel.DialogButton("Cancel").ClickAsync();
        await Expect(panel.Page.Locator("tr[data-team-id]")).ToHaveCountAsync(1);
        panel.AssertNothingUnexpected();
    }

    [BrowserFact]
    public async Task TeamsTable_SortAndSearch_ReorderAndFilterTheRows()
    {
        await using var env = await RouterFixture.StartAsync();
        await env.Router.CreateTeamAsync("bravo", 300);
        var alpha = await env.Router.CreateTeamAsync("alpha", 100);
        await env.Router.CreateTeamAsync("charlie", 200);
        await using var panel = await browser.OpenAsync(env.Router);
        await panel.LoginAsync(RouterServer.AdminPassword);
        var names = panel.Page.Locator("tr[data-team-id] .team-name .name");

        await Expect(names).ToHaveTextAsync(["alpha", "bravo", "charlie"]);

        await panel.Page.GetByRole(AriaRole.Button, new() { Name = "Quota", Exact = true }).ClickAsync();
        await Expect(names).ToHaveTextAsync(["alpha", "charlie", "bravo"]);
        await panel.Page.GetByRole(AriaRole.Button, new() { Name = "Quota", Exact = true }).ClickAsync();
        await Expect(names).ToHaveTextAsync(["bravo", "charlie", "alpha"]);
        await Expect(panel.Page.Locator("th[aria-sort='descending']")).ToHaveTextAsync("Quota");

        // Search matches names (in any case) and token prefixes.
        await panel.Field("Search teams").FillAsync("CHARL");
        await Expect(names).ToHaveTextAsync(["charlie"]);
        await panel.Field("Search teams").FillAsync(alpha.Token[..10]);
        await Expect(names).ToHaveTextAsync(["alpha"]);
        await panel.Field("Search teams").FillAsync("nobody");
        await Expect(names).ToHaveCountAsync(0);
        await Expect(panel.Page.GetByText("No team matches the search.")).ToBeVisibleAsync();
        panel.AssertNothingUnexpected();
    }

    [BrowserFact]
    public async Task TokenDialog_DesktopAndPhone_ShowsTheWholeToken()
    {
        await using var env = await RouterFixture.StartAsync();
        foreach (var viewport in new[] { PanelViewport.Desktop, PanelViewport.Phone })
        {
            await using var panel = await browser.OpenAsync(env.Router, viewport);
            await panel.LoginAsync(RouterServer.AdminPassword);
            await panel.Button("New team").ClickAsync();
            await panel.DialogField("Name").FillAsync("wide-" + viewport.Name);
            await panel.DialogField("Token quota").FillAsync("1000");
            await panel.DialogButton("Create team").ClickAsync();

            var field = panel.DialogField("Team token");
            await Expect(field).ToBeVisibleAsync();
            var hidden = await field.EvaluateAsync<int>(
                "f => Math.max(f.scrollWidth - f.clientWidth, f.scrollHeight - f.clientHeight, f.scrollLeft, f.scrollTop)");
            Assert.True(hidden <= 0, $"{viewport.Name}: {hidden} px of the token are out of view");
            Assert.Matches("^sk-tr-[A-Za-z0-9]{40}$", await field.InputValueAsync());
            await panel.ScreenshotAsync("team-token-whole");
        }
    }

    [BrowserFact]
    public async Task NameField_CountsCharactersAsTheServerDoes()
    {
        await using var env = await RouterFixture.StartAsync();
        await using var panel = await browser.OpenAsync(env.Router);
        await panel.LoginAsync(RouterServer.AdminPassword);
        await panel.Button("New team").ClickAsync();
        var name = panel.DialogField("Name");

        await name.FillAsync(new string('a', 70));
        Assert.Equal(new string('a', 64), await name.InputValueAsync());

        var emoji = string.Concat(Enumerable.Repeat("\U0001F600", 40));
        await name.FillAsync(emoji);
        await panel.DialogField("Token quota").FillAsync("1000");
        await panel.DialogButton("Create team").ClickAsync();
        await ReadTokenDialogAsync(panel);
        await Expect(panel.TeamRow(emoji)).ToHaveCountAsync(1);
    }

    /// <summary>Creates a team through the New team form; returns the token its dialog showed.</summary>
    private static async Task<string> CreateInFormAsync(PanelPage panel, string name, long quota, bool copy)
    {
        await panel.Button("New team").ClickAsync();
        await panel.DialogField("Name").FillAsync(name);
        await panel.DialogField("Token quota").FillAsync(quota.ToString(CultureInfo.InvariantCulture));
        await panel.DialogButton("Create team").ClickAsync();
        return await ReadTokenDialogAsync(panel, copy);
    }

    /// <summary>Reads the token from its one-time dialog, checks the warning, and closes it.</summary>
    private static async Task<string> ReadTokenDialogAsync(PanelPage panel, bool copy = false)
    {
        var dialog = panel.OpenDialog;
        await Expect(dialog).ToContainTextAsync("you will not see it again");
        var token = await panel.DialogField("Team token").InputValueAsync();
        Assert.Matches("^sk-tr-[A-Za-z0-9]{40}$", token);
        if (copy)
        {
            await panel.DialogButton("Copy").ClickAsync();
            await Expect(dialog.Locator(".copy-status")).ToHaveTextAsync("Copied to the clipboard.");
        }

        await panel.DialogButton("Done").ClickAsync();
        await Expect(panel.OpenDialog).ToHaveCountAsync(0);
        return token;
    }

    /// <summary>The team as the admin API has it now, or null when it is gone.</summary>
    private static async Task<JsonNode?> GetTeamAsync(RouterServer router, long id)
    {
        using var admin = router.CreateAdminClient();
        using var response = await admin.GetAsync($"admin/api/teams/{id}");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>What the admin API answers a create it refuses: the message the panel must show.</summary>
    private static async Task<string> RefusalMessageAsync(RouterServer router, object team)
    {
        using var admin = router.CreateAdminClient();
        using var response = await admin.PostAsJsonAsync("admin/api/teams", team);
        Assert.False(response.IsSuccessStatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        return error["message"]!.GetValue<string>();
    }
}
