namespace TokenRouter.Tests.Browser;

/// <summary>A test that drives Firefox ESR; skipped, saying how to install it, where it is absent.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FirefoxFactAttribute : FactAttribute
{
    public FirefoxFactAttribute()
    {
        Skip = SystemBrowser.Firefox.SkipReason;
    }
}
