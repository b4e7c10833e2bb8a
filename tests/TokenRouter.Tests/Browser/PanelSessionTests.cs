using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TokenRouter.Config;
using TokenRouter.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TokenRouter.Tests.Browser;

/// <summary>Logging in and out of the panel, lockout, and the default-password warning.</summary>
public sealed class PanelSessionTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly string[] Pages = ["teams", "usage", "logs", "settings"];

    [BrowserFact]
    public async Task Login_WrongPassword_SaysSoAndStaysOnTheForm()
    {
        await using var env = await RouterFixture.StartAsync();
        await using var panel = await browser.OpenAsync(env.Router);
        await panel.GotoAsync("/admin", "login");

        await panel.Field("Password").FillAsync("not-the-password");
        await panel.Button("Log in").ClickAsync();

        await Expect(panel.Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Wrong password. Try again.");
        await Expect(panel.Page.Locator("#topbar")).ToBeHiddenAsync();
        await Expect(panel.Page.Locator("main")).ToHaveAttributeAsync("data-page", "login");
        panel.AssertNothingUnexpected();
    }

    [BrowserFact]
    public async Task Login_RepeatedWrongPasswords_LockOutAndSayUntilWhen()
    {
        await using var env = await RouterFixture.StartAsync();
        await using var panel = await browser.OpenAsync(env.Router);
        await panel.GotoAsync("/admin", "login");
        var message = panel.Page.GetByRole(AriaRole.Alert);

        // Wrong passwords until the server locks the address out (it answers each one more slowly).
        for (var attempt = 1; attempt <= 20; attempt++)
        {
            await SubmitAsync(panel, $"wrong-{attempt}");
            if ((await message.TextContentAsync())!.Contains("locked", StringComparison.Ordinal))
            {
                break;
            }
        }

        var until = @"\d{1,2}:\d{2}:\d{2}\s?[AP]M";
        await Expect(message).ToHaveTextAsync(new Regex(
            $@"^Too many attempts: login is locked until {until} \((about \d+ minutes|\d+ seconds)\)\.$"));

        // While locked out, even the right password is turned away.
        await SubmitAsync(panel, RouterServer.AdminPassword);
        await Expect(message).ToContainTextAsync("locked until");
        await Expect(panel.Page.Locator("#topbar")).ToBeHiddenAsync();
        await panel.ScreenshotAsync("login-locked");
        panel.AssertNothingUnexpected();
    }

    [BrowserFact]
    public async Task Login_AtACapitalisedAddress_ShowsTheTeamsPage()
    {
        await using var env = await RouterFixture.StartAsync();
        await using var panel = await browser.OpenAsync(env.Router);
        await panel.GotoAsync("/Admin", "login");

        await panel.Field("Password").FillAsync(RouterServer.AdminPassword);
        await panel.Button("Log in").ClickAsync();

        await panel.WaitForPageAsync("teams");
        Assert.Equal("/admin", new Uri(panel.Page.Url).AbsolutePath);
    }

    [BrowserFact]
    public async Task Logout_EndsTheSessionForThePanelAndTheApi()
    {
        await using var env = await RouterFixture.StartAsync();
        await using var panel = await browser.OpenAsync(env.Router);
        await panel.LoginAsync(RouterServer.AdminPassword);

        await panel.Button("Log out").ClickAsync();

        await panel.WaitForPageAsync("login");
        await Expect(panel.Page.Locator("#topbar")).ToBeHiddenAsync();
        var status = await panel.Page.EvaluateAsync<int>("async () => (await fetch('/admin/api/teams')).status");
        Assert.Equal(401, status);
        await panel.GotoAsync("/admin/teams", "login");
        panel.AssertNothingUnexpected();
    }

    [BrowserFact]
    public async Task DefaultPassword_EveryPageAfterSignIn_ShowsTheBannerSayingHowToChangeIt()
    {
        await using var env = await RouterFixture.StartAsync(
            s => s with { AdminPassword = RouterSettings.DefaultAdminPassword });
        await using var panel = await browser.OpenAsync(env.Router);
        var banner = panel.Page.Locator("#default-password-banner");

        // Before sign-in the panel does not know (and must not tell) which password is in use.
        await panel.GotoAsync("/admin", "login");
        await Expect(banner).ToBeHiddenAsync();
        await panel.LoginAsync(RouterSettings.DefaultAdminPassword);
        foreach (var page in Pages)
        {
            await panel.ShowAsync(page);
            await Expect(banner).ToBeVisibleAsync();
            await Expect(banner).ToContainTextAsync("default admin password");
            await Expect(banner).ToContainTextAsync("Set ADMIN_PASSWORD in the env file");
            await Expect(banner).ToContainTextAsync("restart TokenRouter");
        }

        await panel.ScreenshotAsync("default-password-banner");
        await panel.Button("Log out").ClickAsync();
        await panel.WaitForPageAsync("login");
        await Expect(banner).ToBeHiddenAsync();
        panel.AssertNothingUnexpected();
    }

    [BrowserFact]
    public async Task OwnPassword_EveryPage_ShowsNoBanner()
    {
        await using var env = await RouterFixture.StartAsync();
        await using var panel = await browser.OpenAsync(env.Router);
        var banner = panel.Page.Locator("#default-password-banner");

        await panel.LoginAsync(RouterServer.AdminPassword);
        foreach (var page in Pages)
        {
            await panel.ShowAsync(page);
            await Expect(banner).ToBeHiddenAsync();
        }

        panel.AssertNothingUnexpected();
    }

    private static async Task SubmitAsync(PanelPage panel, string password)
    {
        await panel.Field("Password").FillAsync(password);
        await panel.Page.RunAndWaitForResponseAsync(
            () => panel.Button("Log in").ClickAsync(),
            response => response.Url.EndsWith("/admin/api/login", StringComparison.Ordinal));

        // The form is ready for the next try once its button is enabled again.
        await Expect(panel.Button("Log in")).ToBeEnabledAsync();
    }
}
