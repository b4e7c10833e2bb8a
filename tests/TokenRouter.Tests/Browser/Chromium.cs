namespace TokenRouter.Tests.Browser;

/// <summary>
/// Debian's Chromium, the one browser the panel tests drive. Playwright never downloads a
/// browser of its own here: its .NET package brings the node driver, the system brings Chromium.
/// </summary>
internal static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";
    public const string InstallCommand = "apt-get update && apt-get install -y chromium";

    // Headless, and nothing that reaches outside the machine (updates, sync, QUIC probes).
    public static readonly IReadOnlyList<string> Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    public static bool IsInstalled => File.Exists(ExecutablePath);

    /// <summary>
    /// Why browser tests are skipped here, or null when they run. CI installs Chromium itself
    /// (.ci/run), so on CI a missing browser fails the tests instead of hiding them.
    /// </summary>
    public static string? SkipReason => IsInstalled || IsCi
        ? null
        : $"Chromium is not installed at {ExecutablePath}; install it with: {InstallCommand}";

    public static string MissingMessage =>
        $"The browser tests need Chromium at {ExecutablePath}: {InstallCommand}";

    private static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A test that drives Chromium; skipped, saying how to install it, where it is absent.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        Skip = Chromium.SkipReason;
    }
}
