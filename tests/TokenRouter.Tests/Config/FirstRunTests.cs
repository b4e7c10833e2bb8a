using System.Runtime.Versioning;
using TokenRouter.Config;

namespace TokenRouter.Tests.Config;

// File modes are asserted: these tests run where the server runs, on Unix.
[UnsupportedOSPlatform("windows")]
public sealed class FirstRunTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private SettingsSource Source(Dictionary<string, string>? environment = null)
    {
        environment ??= [];
        return SettingsSource.Open(_folder.File(".env"), key => environment.GetValueOrDefault(key));
    }

    [Fact]
    public void EnsureProviderKey_TerminalAndNoKey_ReadsKeyHiddenAndWritesOwnerOnlyFile()
    {
        var console = new FakePromptConsole(interactive: true);
        console.Secrets.Enqueue("  sk-live-123  ");
        console.Lines.Enqueue("");
        var source = Source();

        var asked = FirstRun.EnsureProviderKey(source, console);

        Assert.True(asked);
        Assert.Equal(1, console.SecretReads);
        Assert.Equal(1, console.LineReads);
        Assert.Contains("Provider API key (input hidden): ", console.Written);
        Assert.Contains("Provider base URL [https://api.openai.com/v1]: ", console.Written);
        Assert.DoesNotContain("sk-live-123", console.Written);

        var path = _folder.File(".env");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var saved = EnvFile.Load(path);
        Assert.Equal("sk-live-123", saved.Get("PROVIDER_API_KEY"));
        Assert.Equal("https://api.openai.com/v1", saved.Get("PROVIDER_BASE_URL"));
        Assert.Contains($"Saved PROVIDER_API_KEY and PROVIDER_BASE_URL to {path} (readable by you only).", console.Written);

        var settings = SettingsLoader.Load(source);
        Assert.Equal("sk-live-123", settings.ProviderApiKey);
    }

    [Fact]
    public void EnsureProviderKey_ExistingFile_KeepsItsOtherLinesAndTakesTypedUrl()
    {
        var path = _folder.Write(".env", "# mine\nPORT=9000\nADMIN_PASSWORD=pw # note\n");
        var console = new FakePromptConsole(interactive: true);
        console.Secrets.Enqueue("sk-1");
        console.Lines.Enqueue("http://127.0.0.1:4000/v1/");

        FirstRun.EnsureProviderKey(Source(), console);

        Assert.Equal(
            "# mine\nPORT=9000\nADMIN_PASSWORD=pw # note\nPROVIDER_API_KEY=sk-1\nPROVIDER_BASE_URL=http://127.0.0.1:4000/v1\n",
            File.ReadAllText(path));
    }

    [Fact]
    public void EnsureProviderKey_ConfiguredBaseUrl_IsTheDefaultOffered()
    {
        _folder.Write(".env", "PROVIDER_BASE_URL=https://openrouter.ai/api/v1\n");
        var console = new FakePromptConsole(interactive: true);
        console.Secrets.Enqueue("sk-1");
        console.Lines.Enqueue("");

        FirstRun.EnsureProviderKey(Source(), console);

        Assert.Contains("Provider base URL [https://openrouter.ai/api/v1]: ", console.Written);
        Assert.Equal("https://openrouter.ai/api/v1", EnvFile.Load(_folder.File(".env")).Get("PROVIDER_BASE_URL"));
    }

    [Fact]
    public void EnsureProviderKey_ConfiguredBaseUrlWithCredentials_OfferedMaskedButKeptWhole()
    {
        _folder.Write(".env", "PROVIDER_BASE_URL=https://user:hunter2@llm.example/v1\n");
        var console = new FakePromptConsole(interactive: true);
        console.Secrets.Enqueue("sk-1");
        console.Lines.Enqueue("");

        FirstRun.EnsureProviderKey(Source(), console);

        Assert.Contains("Provider base URL [https://***@llm.example/v1]: ", console.Written);
        Assert.DoesNotContain("hunter2", console.Written);
        Assert.Equal("https://user:hunter2@llm.example/v1", EnvFile.Load(_folder.File(".env")).Get("PROVIDER_BASE_URL"));
    }

    [Fact]
    public void EnsureProviderKey_EmptyKeyThenBadUrl_AsksAgain()
    {
        var console = new FakePromptConsole(interactive: true);
        console.Secrets.Enqueue("");
        console.Secrets.Enqueue("sk-2");
        console.Lines.Enqueue("not a url");
        console.Lines.Enqueue("https://api.example.com/v1");

        FirstRun.EnsureProviderKey(Source(), console);

        Assert.Equal(2, console.SecretReads);
        Assert.Equal(2, console.LineReads);
        Assert.Contains("The key must not be empty.", console.Written);
        Assert.Contains("The base URL must be an absolute http or https URL", console.Written);
        Assert.Equal("https://api.example.com/v1", EnvFile.Load(_folder.File(".env")).Get("PROVIDER_BASE_URL"));
    }

    [Fact]
    public void EnsureProviderKey_KeyEntryAbandoned_FailsWithoutWritingAFile()
    {
        var console = new FakePromptConsole(interactive: true);
        console.Secrets.Enqueue(null);

        var error = Assert.Throws<SettingsException>(() => FirstRun.EnsureProviderKey(Source(), console));

        Assert.Contains("PROVIDER_API_KEY is required", error.Message);
        Assert.False(File.Exists(_folder.File(".env")));
    }

    [Fact]
    public void EnsureProviderKey_NotATerminal_FailsAtOnceNamingKeyAndPath()
    {
        var console = new FakePromptConsole(interactive: false);

        var error = Assert.Throws<SettingsException>(() => FirstRun.EnsureProviderKey(Source(), console));

        var problem = Assert.Single(error.Problems);
        Assert.Contains("PROVIDER_API_KEY", problem);
        Assert.Contains(_folder.File(".env"), problem);
        Assert.Equal(0, console.SecretReads + console.LineReads);
        Assert.Equal("", console.Written);
    }

    [Fact]
    public void EnsureProviderKey_KeyInEnvironment_AsksNothing()
    {
        var console = new FakePromptConsole(interactive: true);

        var asked = FirstRun.EnsureProviderKey(Source(new() { ["PROVIDER_API_KEY"] = "sk-env" }), console);

        Assert.False(asked);
        Assert.Equal("", console.Written);
        Assert.False(File.Exists(_folder.File(".env")));
    }
}
