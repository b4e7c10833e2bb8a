using System.Net;
using System.Text.Json.Nodes;
using TokenRouter.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenRouter.Tests.Browser;

/// <summary>
/// The panel in Firefox ESR, driven by tests/js/panel-firefox.mjs (puppeteer-core over WebDriver
/// BiDi): what the script saw in the browser is checked here against the router's books.
/// </summary>
public sealed class FirefoxPanelTests(ITestOutputHelper output)
{
    private const double ReadableContrast = 4.5;

    private static readonly string[] Pages = ["login", "teams", "usage", "logs", "settings"];

    private static readonly string[] Looks = ["phone-light", "desktop-light", "desktop-dark", "phone-dark"];

    [FirefoxFact]
    public async Task Panel_TeamLifeEveryPageAndBothSchemes_WorksInFirefox()
    {
        await using var env = await RouterFixture.StartAsync();

        // A team that stays, so the teams page has a row at every width once the script's team is gone.
        var staying = await env.Router.CreateTeamAsync("support-bot-with-a-rather-long-name", 60_000);

        var result = await NodeScript.RunAsync(
            NodeScript.PanelFirefox,
            new Dictionary<string, string>
            {
                ["BASE_URL"] = env.Router.BaseUrl,
                ["ADMIN_PASSWORD"] = RouterServer.AdminPassword,
                ["SCREENSHOT_DIR"] = Artifacts.ScreenshotDirectory,
                ["FIREFOX"] = SystemBrowser.Firefox.ExecutablePath,
                ["PUPPETEER_SKIP_DOWNLOAD"] = "true",
            },
            TimeSpan.FromMinutes(5));

        Assert.True(result.ExitCode == 0, result.ToString());
        var seen = result.Json;
        Assert.StartsWith("firefox/", (string?)seen["browser"], StringComparison.Ordinal);
        Assert.Equal("Wrong password. Try again.", (string?)seen["wrongPassword"]);
        Assert.True((bool)seen["copied"]!);

        // The team the panel created was used through the router, then rotated and deleted.
        var teamId = (long)seen["teamId"]!;
        // Its log: the request with the first token, and the one with the rotated token.
        var rows = await env.Router.LogRowsAsync(teamId);
        Assert.Equal(2, rows.Count);
        var row = Assert.Single(rows, r => r.RequestId == (string?)seen["requestId"]);
        Assert.Equal(18, (long)seen["totalTokens"]!);
        Assert.Equal(18, row.TotalTokens);
        Assert.Equal(401, (int)seen["oldTokenStatus"]!);
        Assert.Equal(200, (int)seen["newTokenStatus"]!);
        Assert.True((bool)seen["deleted"]!);
        using (var admin = env.Router.CreateAdminClient())
        {
            using var gone = await admin.GetAsync($"admin/api/teams/{teamId}");
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            using var kept = await admin.GetAsync($"admin/api/teams/{staying.Id}");
            Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        }

        foreach (var look in Looks)
        {
            foreach (var page in Pages)
            {
                Assert.True((bool)seen["fits"]![look]![page]!, $"The {page} page overflows at {look}.");
                AssertReadable(seen["contrast"]![look]![page]!, look, page);
            }
        }

        foreach (var screenshot in seen["screenshots"]!.AsArray())
        {
            Assert.True(new FileInfo((string)screenshot!).Length > 0, $"No screenshot at {screenshot}.");
        }
    }

    /// <summary>The page was drawn in the scheme asked for, and all its text stands out from what is behind it.</summary>
    private void AssertReadable(JsonNode contrast, string look, string page)
    {
        var where = $"{page} at {look}";
        var body = (double)contrast["bodyRatio"]!;
        var lowest = contrast["lowest"]!;
        output.WriteLine($"{where}: body text {body}:1, lowest {lowest["ratio"]}:1 ({lowest["element"]})");

        var dark = look.EndsWith("-dark", StringComparison.Ordinal);
        Assert.Equal(dark, (bool)contrast["dark"]!);

        // A dark scheme that only changed the text colour would still pass the ratio: the background must follow.
        var background = (double)contrast["bodyBackgroundLuminance"]!;
        Assert.True(dark ? background < 0.1 : background > 0.8, $"{where}: body background luminance {background}.");
        Assert.True(body >= ReadableContrast, $"{where}: body text {body}:1.");
        Assert.True((int)contrast["elements"]! > 0, $"{where}: no text measured.");
        var below = contrast["below"]!.AsArray();
        Assert.True(below.Count == 0, $"{where}: text under {ReadableContrast}:1: {below}");
    }
}
