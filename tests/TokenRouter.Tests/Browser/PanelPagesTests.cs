using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Playwright;
using TokenRouter.Storage;
using TokenRouter.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TokenRouter.Tests.Browser;

/// <summary>
/// Every page with a week of traffic behind it, at desktop and phone widths, light and dark:
/// each must draw without error, fit the window, and leave a screenshot in artifacts/screenshots/.
/// </summary>
public sealed class PanelPagesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly string[] Models = ["gpt-4o-mini", "GPT-5-nano"];

    private static readonly (PanelViewport Viewport, ColorScheme Scheme)[] Looks =
    [
        (PanelViewport.Desktop, ColorScheme.Light),
        (PanelViewport.Phone, ColorScheme.Light),
        (PanelViewport.Desktop, ColorScheme.Dark),
    ];

    [BrowserFact]
    public async Task EveryPage_DesktopPhoneLightAndDark_DrawsFitsAndIsScreenshotted()
    {
        await using var env = await RouterFixture.StartAsync();
        var now = DateTimeOffset.UtcNow;
        await SeedWeekAsync(env.Router, now);

        var created = 0;
        foreach (var (viewport, scheme) in Looks)
        {
            var suffix = scheme == ColorScheme.Dark ? "-dark" : "";
            await using var panel = await browser.OpenAsync(env.Router, viewport, scheme);

            await panel.GotoAsync("/admin", "login");
            await AssertFitsAsync(panel, "login");
            await panel.ScreenshotAsync("login" + suffix);

            await panel.LoginAsync(RouterServer.AdminPassword);
            await Expect(panel.Page.Locator("tr[data-team-id]")).ToHaveCountAsync(5 + created);
            await Expect(panel.TeamRow("interns").Locator("[data-label='Status']")).ToHaveTextAsync("disabled");
            await AssertFitsAsync(panel, "teams");
            await panel.ScreenshotAsync("teams" + suffix);

            await panel.Button("New team").ClickAsync();
            await panel.DialogField("Name").FillAsync($"new-{viewport.Name}{suffix}");
            await panel.DialogField("Token quota").FillAsync("100000");
            await panel.ScreenshotAsync("team-form" + suffix);
            await panel.DialogButton("Create team").ClickAsync();
            await Expect(panel.OpenDialog).ToContainTextAsync("you will not see it again");
            await panel.ScreenshotAsync("team-token" + suffix);
            await panel.DialogButton("Done").ClickAsync();
            created++;

            await panel.ShowAsync("usage");
            await Expect(panel.Page.Locator("svg.chart rect.column").First).ToBeVisibleAsync();
            await AssertFitsAsync(panel, "usage");
            await panel.ScreenshotAsync("usage" + suffix);

            await panel.ShowAsync("logs");
            await Expect(panel.Page.Locator("tr[data-request-id]")).ToHaveCountAsync(50);
            await Expect(Summary(panel)).ToContainTextAsync("Requests 1–50 of");
            await AssertFitsAsync(panel, "logs");
            await panel.ScreenshotAsync("logs" + suffix);

            await panel.ShowAsync("settings");
            await Expect(panel.Page.Locator("dl.settings")).ToContainTextAsync("gpt-4o-mini");
            var html = await panel.Page.ContentAsync();
            Assert.DoesNotContain(RouterServer.ProviderApiKey, html, StringComparison.Ordinal);
            await AssertFitsAsync(panel, "settings");
            await panel.ScreenshotAsync("settings" + suffix);

            panel.AssertNothingUnexpected();
        }
    }

    [BrowserFact]
    public async Task RequestLog_FiltersPagingAndCsv_ShowTheMatchingRows()
    {
        await using var env = await RouterFixture.StartAsync();
        var now = DateTimeOffset.UtcNow;
        var teams = await SeedWeekAsync(env.Router, now);
        var research = teams["research"];
        var expected = (await env.Router.LogRowsAsync(research))
            .Where(row => row.Model == "GPT-5-nano" && row.Status == 200).ToList();
        Assert.True(expected.Count > 0);

        await using var panel = await browser.OpenAsync(env.Router);
        await panel.LoginAsync(RouterServer.AdminPassword);
        await panel.ShowAsync("logs");
        await panel.Field("Team").SelectOptionAsync(new SelectOptionValue { Label = "research" });
        await panel.Field("Model").FillAsync("GPT-5-nano");
        await panel.Field("Status").FillAsync("200");
        await panel.Button("Apply").ClickAsync();

        var shown = Math.Min(50, expected.Count);
        await Expect(Summary(panel))
            .ToHaveTextAsync($"Requests 1–{shown} of {Count(expected.Count)}, newest first.");
        await Expect(panel.Page.Locator("tr[data-request-id]")).ToHaveCountAsync(shown);
        await Expect(panel.Page.Locator("tr[data-request-id]").First)
            .ToHaveAttributeAsync("data-request-id", expected[0].RequestId);
        Assert.Contains("team_id=" + research, panel.Page.Url, StringComparison.Ordinal);

        // The export link asks for the same filters; its CSV holds exactly those rows.
        var download = await panel.Page.RunAndWaitForDownloadAsync(
            () => panel.Page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        foreach (var row in expected)
        {
            Assert.Contains(row.RequestId, csv, StringComparison.Ordinal);
        }

        Assert.Equal(expected.Count, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1);

        // Paging through all rows of all teams, newest first.
        await panel.Button("Clear").ClickAsync();
        var total = (await env.Router.LogRowsAsync()).Count;
        await Expect(Summary(panel)).ToHaveTextAsync($"Requests 1–50 of {Count(total)}, newest first.");
        await panel.Button("Older →").ClickAsync();
        await Expect(Summary(panel))
            .ToHaveTextAsync($"Requests 51–{Math.Min(100, total)} of {Count(total)}, newest first.");
        panel.AssertNothingUnexpected();
    }

    private static ILocator Summary(PanelPage panel) => panel.Page.Locator("main [role='status']");

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static async Task AssertFitsAsync(PanelPage panel, string page) =>
        Assert.True(
            await panel.FitsWidthAsync(), $"The {page} page is wider than the {panel.Viewport.Name} window.");

    /// <summary>Five teams and a week of requests, booked straight into the books at their times.</summary>
    private static async Task<Dictionary<string, long>> SeedWeekAsync(RouterServer router, DateTimeOffset now)
    {
        var teams = new Dictionary<string, long>
        {
            ["platform"] = (await router.CreateTeamAsync("platform", 2_000_000)).Id,
            ["research"] = (await router.CreateTeamAsync("research", 500_000)).Id,
            ["support-bot"] = (await router.CreateTeamAsync("support-bot", 60_000)).Id,
            ["mobile-app"] = (await router.CreateTeamAsync("mobile-app", 1_000_000)).Id,
            ["interns"] = (await router.CreateTeamAsync("interns", 50_000)).Id,
        };
        using (var admin = router.CreateAdminClient())
        {
            using var disable = await admin.PatchAsJsonAsync($"admin/api/teams/{teams["interns"]}", new { enabled = false });
            disable.EnsureSuccessStatusCode();
            using var monthly = await admin.PatchAsJsonAsync($"admin/api/teams/{teams["platform"]}", new { period = "monthly" });
            monthly.EnsureSuccessStatusCode();
        }

        // A fixed seed: the same week every run, busier in working hours, no two requests in the same minute.
        var random = new Random(7);
        var names = teams.Keys.Where(name => name != "interns").ToArray();
        for (var hour = 7 * 24; hour >= 1; hour--)
        {
            var at = now.AddHours(-hour);
            var busy = at.Hour is >= 8 and <= 18 ? 3 : random.Next(0, 2);
            for (var i = 0; i < busy; i++)
            {
                var team = teams[names[random.Next(names.Length)]];
                var status = random.Next(20) == 0 ? 499 : 200;
                var prompt = random.Next(100, 900);
                var completion = random.Next(50, 700);
                var record = new UsageRecord
                {
                    RequestId = $"req_{Guid.NewGuid():N}"[..28],
                    StartedAt = at.AddMinutes((i * 20) + random.Next(0, 15)),
                    TeamId = team,
                    Model = Models[random.Next(Models.Length)],
                    Endpoint = "/v1/chat/completions",
                    Stream = random.Next(2) == 0,
                    Status = status,
                    PromptTokens = prompt,
                    CompletionTokens = completion,
                    TotalTokens = prompt + completion,
                    DurationMs = random.Next(300, 9000),
                    ErrorType = status == 499 ? "client_disconnected" : null,
                    EndUser = random.Next(4) == 0 ? $"user-{random.Next(1, 40)}" : null,
                };
                var account = router.Teams.Find(team)!;
                await router.Books.ChargeAsync(record, () => account.Settle(0, record.TotalTokens));
            }
        }

        return teams;
    }
}
