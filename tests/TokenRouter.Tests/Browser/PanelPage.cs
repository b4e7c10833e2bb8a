using System.Collections.Concurrent;
using Microsoft.Playwright;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Browser;

/// <summary>
/// One browser tab on the admin panel, watching for what must never happen: a JavaScript
/// dialog (alert, confirm), an uncaught script error, a content-security-policy violation,
/// or a request to any host but the router.
/// </summary>
public sealed class PanelPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly string _origin;
    private readonly ConcurrentQueue<string> _dialogs = new();
    private readonly ConcurrentQueue<string> _scriptErrors = new();
    private readonly ConcurrentQueue<string> _policyViolations = new();
    private readonly ConcurrentQueue<string> _foreignRequests = new();

    private PanelPage(IBrowserContext context, IPage page, RouterServer router, PanelViewport viewport)
    {
        _context = context;
        Page = page;
        Router = router;
        Viewport = viewport;
        _origin = router.BaseUrl + "/";
    }

    public IPage Page { get; }

    public RouterServer Router { get; }

    public PanelViewport Viewport { get; }

    /// <summary>Messages of the JavaScript dialogs the page opened (each was dismissed).</summary>
    public IReadOnlyCollection<string> Dialogs => _dialogs;

    internal static async Task<PanelPage> CreateAsync(
        IBrowserContext context, RouterServer router, PanelViewport viewport)
    {
        var page = await context.NewPageAsync();
        var panel = new PanelPage(context, page, router, viewport);
        panel.Watch();
        return panel;
    }

    private void Watch()
    {
        Page.Dialog += async (_, dialog) =>
        {
            _dialogs.Enqueue($"{dialog.Type}: {dialog.Message}");
            try
            {
                await dialog.DismissAsync();
            }
            catch (PlaywrightException)
            {
                // The page closed first; the dialog is recorded, which is what matters.
            }
        };
        Page.PageError += (_, error) => _scriptErrors.Enqueue(error);
        Page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                _policyViolations.Enqueue(message.Text);
            }
        };
        _context.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(_origin, StringComparison.Ordinal))
            {
                _foreignRequests.Enqueue(request.Url);
            }
        };
    }

    /// <summary>Opens a panel address and waits until its page is drawn.</summary>
    public async Task GotoAsync(string path, string page)
    {
        await Page.GotoAsync(path);
        await WaitForPageAsync(page);
    }

    /// <summary>Waits until the named page (teams, usage, logs, settings, login) has finished drawing.</summary>
    public Task WaitForPageAsync(string page) =>
        Page.Locator($"main[data-page='{page}']:not([aria-busy])").WaitForAsync();

    /// <summary>Logs in through the form and waits for the teams page.</summary>
    public async Task LoginAsync(string password)
    {
        await GotoAsync("/admin", "login");
        await Field("Password").FillAsync(password);
        await Button("Log in").ClickAsync();
        await WaitForPageAsync("teams");
    }

    /// <summary>Goes to another page through the navigation bar.</summary>
    public async Task ShowAsync(string page)
    {
        await Page.Locator($"nav a[data-page='{page}']").ClickAsync();
        await WaitForPageAsync(page);
    }

    /// <summary>The teams table row of the team with exactly this name.</summary>
    public ILocator TeamRow(string name) => Page.Locator("tr[data-team-id]").Filter(new()
    {
        Has = Page.Locator(".team-name .name").GetByText(name, new() { Exact = true }),
    });

    /// <summary>The open modal dialog (team form, confirmation, token).</summary>
    public ILocator OpenDialog => Page.Locator("dialog[open]");

    /// <summary>The page's form control labelled exactly <paramref name="label"/>.</summary>
    public ILocator Field(string label) => Page.GetByLabel(label, new() { Exact = true });

    /// <summary>The page's button named <paramref name="name"/>.</summary>
    public ILocator Button(string name) => Page.GetByRole(AriaRole.Button, new() { Name = name });

    /// <summary>The open dialog's form control labelled exactly <paramref name="label"/>.</summary>
    public ILocator DialogField(string label) => OpenDialog.GetByLabel(label, new() { Exact = true });

    /// <summary>The open dialog's button named <paramref name="name"/>.</summary>
    public ILocator DialogButton(string name) => OpenDialog.GetByRole(AriaRole.Button, new() { Name = name });

    /// <summary>
    /// Saves a screenshot as artifacts/screenshots/NAME-VIEWPORT.png: the whole page, or only
    /// the window while a modal dialog is open (its backdrop covers only the window).
    /// </summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(Artifacts.ScreenshotDirectory, $"{name}-{Viewport.Name}.png");
        var fullPage = await OpenDialog.CountAsync() == 0;

        // The pointer rests where the last click left it; a hover highlight is no part of the page.
        await Page.Mouse.MoveAsync(0, 0);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
        return path;
    }

    /// <summary>True when nothing sticks out sideways: the page fits the window's width.</summary>
    public Task<bool> FitsWidthAsync() =>
        Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth");

    /// <summary>
    /// Asserts that no dialog opened, no script failed, the CSP refused nothing and no other
    /// host was asked.
    /// </summary>
    public void AssertNothingUnexpected()
    {
        Assert.True(_dialogs.IsEmpty, "JavaScript dialogs opened: " + string.Join(" | ", _dialogs));
        Assert.True(_scriptErrors.IsEmpty, "Script errors: " + string.Join(" | ", _scriptErrors));
        Assert.True(_policyViolations.IsEmpty, "CSP violations: " + string.Join(" | ", _policyViolations));
        Assert.True(_foreignRequests.IsEmpty, "Requests to other hosts: " + string.Join(" | ", _foreignRequests));
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}

/// <summary>Where the browser tests leave what a person may want to look at.</summary>
internal static class Artifacts
{
    /// <summary>artifacts/screenshots/ at the repository root (gitignored), or beside the test binaries.</summary>
    public static string ScreenshotDirectory { get; } = CreateScreenshotDirectory();

    private static string CreateScreenshotDirectory()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "TokenRouter.csproj")))
        {
            root = root.Parent;
        }

        var directory = Path.Combine(root?.FullName ?? AppContext.BaseDirectory, "artifacts", "screenshots");
        Directory.CreateDirectory(directory);
        return directory;
    }
}
