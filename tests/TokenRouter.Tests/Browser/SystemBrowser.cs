namespace TokenRouter.Tests.Browser;

/// <summary>
/// A browser from Debian's packages that the panel tests drive. No test downloads a browser of
/// its own: where the package is missing the tests are skipped, saying how to install it.
/// </summary>
internal sealed record SystemBrowser(string Name, string ExecutablePath, string Package)
{
    public static readonly SystemBrowser Chromium = new("Chromium", "/usr/bin/chromium", "chromium");
    public static readonly SystemBrowser Firefox = new("Firefox ESR", "/usr/bin/firefox-esr", "firefox-esr");

    public string InstallCommand => $"apt-get update && apt-get install -y {Package}";

    public bool IsInstalled => File.Exists(ExecutablePath);

    /// <summary>
    /// Why the browser's tests are skipped here, or null when they run. CI installs both browsers
    /// itself (.ci/run), so on CI a missing browser fails the tests instead of hiding them.
    /// </summary>
    public string? SkipReason => IsInstalled || IsCi
        ? null
        : $"{Name} is not installed at {ExecutablePath}; install it with: {InstallCommand}";

    public string MissingMessage => $"The browser tests need {Name} at {ExecutablePath}: {InstallCommand}";

    private static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}
