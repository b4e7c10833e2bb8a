namespace TokenRouter.Tests.Browser;

/// <summary>
/// Debian's Chromium, driven by Playwright for .NET. Playwright never downloads a browser of its
/// own here: its .NET package brings the node driver, the system brings Chromium.
/// </summary>
internal static class Chromium
{
    public static SystemBrowser Package => SystemBrowser.Chromium;

    // Headless, and nothing that reaches outside the machine (updates, sync, QUIC probes).
    public static readonly IReadOnlyList<string> Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];
}

/// <summary>A test that drives Chromium; skipped, saying how to install it, where it is absent.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        Skip = SystemBrowser.Chromium.SkipReason;
    }
}
