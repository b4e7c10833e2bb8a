using Microsoft.Playwright;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Browser;

/// <summary>
/// One Chromium per test class; each test opens its own context (cookies, storage and
/// viewport of its own) through <see cref="OpenAsync"/>, so tests never share a session.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        if (!Chromium.Package.IsInstalled)
        {
            return;
        }

        // Expect(...) retries for 5 s by default: too short while the whole suite loads 2 cores.
        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.Package.ExecutablePath,
            Args = Chromium.Arguments,
            Headless = true,
            Timeout = 60_000,
        });
    }

    /// <summary>A fresh browser context and page on <paramref name="router"/>'s panel.</summary>
    public async Task<PanelPage> OpenAsync(
        RouterServer router, PanelViewport? viewport = null, ColorScheme scheme = ColorScheme.Light)
    {
        var browser = _browser ?? throw new InvalidOperationException(Chromium.Package.MissingMessage);
        var size = viewport ?? PanelViewport.Desktop;
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = router.BaseUrl,
            ViewportSize = new ViewportSize { Width = size.Width, Height = size.Height },
            IsMobile = size.IsMobile,
            HasTouch = size.IsMobile,
            ColorScheme = scheme,
            Locale = "en-US",
            TimezoneId = "UTC",
        });

        // Generous: a loaded 2-core machine can take seconds to draw a page.
        context.SetDefaultTimeout(30_000);
        return await PanelPage.CreateAsync(context, router, size);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>A window size the panel must work at.</summary>
public sealed record PanelViewport(string Name, int Width, int Height, bool IsMobile)
{
    public static readonly PanelViewport Desktop = new("desktop", 1366, 860, IsMobile: false);
    public static readonly PanelViewport Phone = new("phone", 390, 844, IsMobile: true);
}
