using System.Net;
using TokenRouter.Config;

namespace TokenRouter.Tests.Config;

public sealed class SettingsLoaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private SettingsSource Source(
        string envText,
        Dictionary<string, string>? environment = null,
        params SettingOverride[] overrides)
    {
        var path = _folder.Write(".env", envText);
        environment ??= [];
        return SettingsSource.Open(path, key => environment.GetValueOrDefault(key), overrides);
    }

    [Fact]
    public void Load_OnlyAKey_UsesTheDocumentedDefaults()
    {
        var settings = SettingsLoader.Load(Source("PROVIDER_API_KEY=sk-test\n"));

        Assert.Equal("sk-test", settings.ProviderApiKey);
        Assert.Equal(new Uri("https://api.openai.com/v1/"), settings.ProviderBaseUrl);
        Assert.Empty(settings.AllowedModels);
        Assert.Equal("admin123", settings.AdminPassword);
        Assert.True(settings.AdminPasswordIsDefault);
        Assert.Equal("0.0.0.0", settings.Host);
        Assert.Equal(8000, settings.Port);
        Assert.Equal(Path.GetFullPath("tokenrouter.db"), settings.DatabasePath);
        Assert.Equal(_folder.File(".env"), settings.EnvFilePath);
        Assert.Equal(32L * 1024 * 1024, settings.MaxRequestBodyBytes);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.UpstreamIdleTimeout);
        Assert.False(settings.ForwardUnknownEndpoints);
        Assert.Equal(4096, settings.DefaultCompletionAllowance);
        Assert.Equal(TimeZoneInfo.Utc, settings.QuotaTimeZone);
        Assert.Null(settings.AlertWebhookUrl);
        Assert.Equal(90, settings.LogRetentionDays);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.ShutdownGrace);
        Assert.Empty(settings.TrustedProxies);
    }

    [Fact]
    public void Load_EveryKeySet_ReadsEveryValue()
    {
        var database = _folder.File("books.db");
        var settings = SettingsLoader.Load(Source($"""
            PROVIDER_API_KEY=sk-test
            PROVIDER_BASE_URL=http://127.0.0.1:9999/v1
            ALLOWED_MODELS= GPT-5-nano , gpt-5-NANO,GPT-5-mini,,Gemini-2.5-flash
            ADMIN_PASSWORD=s3cret!
            HOST=127.0.0.1
            PORT=9100
            DATABASE_PATH={database}
            MAX_REQUEST_BODY_MB=2
            UPSTREAM_IDLE_TIMEOUT_SECONDS=45
            FORWARD_UNKNOWN_ENDPOINTS=yes
            DEFAULT_COMPLETION_ALLOWANCE=1000
            QUOTA_TIME_ZONE=Europe/Berlin
            ALERT_WEBHOOK_URL=https://hooks.example.com/tokenrouter?x=1
            LOG_RETENTION_DAYS=0
            SHUTDOWN_GRACE_SECONDS=5
            TRUSTED_PROXIES=10.0.0.1, ::1
            """));

        Assert.Equal(new Uri("http://127.0.0.1:9999/v1/"), settings.ProviderBaseUrl);
        Assert.Equal(["GPT-5-nano", "GPT-5-mini", "Gemini-2.5-flash"], settings.AllowedModels);
        Assert.Equal("s3cret!", settings.AdminPassword);
        Assert.False(settings.AdminPasswordIsDefault);
        Assert.Equal("127.0.0.1", settings.Host);
        Assert.Equal(9100, settings.Port);
        Assert.Equal(database, settings.DatabasePath);
        Assert.Equal(2L * 1024 * 1024, settings.MaxRequestBodyBytes);
        Assert.Equal(TimeSpan.FromSeconds(45), settings.UpstreamIdleTimeout);
        Assert.True(settings.ForwardUnknownEndpoints);
        Assert.Equal(1000, settings.DefaultCompletionAllowance);
        Assert.Equal("Europe/Berlin", settings.QuotaTimeZone.Id);
        Assert.Equal(new Uri("https://hooks.example.com/tokenrouter?x=1"), settings.AlertWebhookUrl);
        Assert.Equal(0, settings.LogRetentionDays);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.ShutdownGrace);
        Assert.Equal([IPAddress.Parse("10.0.0.1"), IPAddress.IPv6Loopback], settings.TrustedProxies);
    }

    [Theory]
    [InlineData("https://api.openai.com/v1", "https://api.openai.com/v1/")]
    [InlineData("https://api.openai.com/v1/", "https://api.openai.com/v1/")]
    [InlineData("https://api.openai.com/v1//", "https://api.openai.com/v1/")]
    [InlineData("https://generativelanguage.googleapis.com/v1beta/openai", "https://generativelanguage.googleapis.com/v1beta/openai/")]
    [InlineData("http://localhost:11434", "http://localhost:11434/")]
    public void Load_ProviderBaseUrl_AlwaysEndsWithOneSlash(string configured, string expected)
    {
        var settings = SettingsLoader.Load(Source($"PROVIDER_API_KEY=k\nPROVIDER_BASE_URL={configured}\n"));

        Assert.Equal(expected, settings.ProviderBaseUrl.ToString());
    }

    [Fact]
    public void Load_EnvironmentOverridesFile_AndCommandLineOverridesBoth()
    {
        var source = Source(
            "PROVIDER_API_KEY=from-file\nPORT=1000\nHOST=10.0.0.1\nADMIN_PASSWORD=file-pw\n",
            new Dictionary<string, string> { ["PORT"] = "2000", ["ADMIN_PASSWORD"] = "env-pw", ["HOST"] = "10.0.0.2" },
            new SettingOverride(SettingKeys.Port, "--port", "3000"));

        var settings = SettingsLoader.Load(source);

        Assert.Equal("from-file", settings.ProviderApiKey);
        Assert.Equal("env-pw", settings.AdminPassword);
        Assert.Equal("10.0.0.2", settings.Host);
        Assert.Equal(3000, settings.Port);
    }

    [Fact]
    public void Load_BlankEnvironmentVariable_DoesNotHideTheFileValue()
    {
        var source = Source(
            "PROVIDER_API_KEY=from-file\nPORT=1000\n",
            new Dictionary<string, string> { ["PROVIDER_API_KEY"] = "", ["PORT"] = "  " });

        var settings = SettingsLoader.Load(source);

        Assert.Equal("from-file", settings.ProviderApiKey);
        Assert.Equal(1000, settings.Port);
    }

    [Fact]
    public void Load_NoProviderKey_NamesTheKeyAndTheFullEnvFilePath()
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(Source("PORT=8000\n")));

        var problem = Assert.Single(error.Problems);
        Assert.Contains("PROVIDER_API_KEY is not set", problem);
        Assert.Contains(_folder.File(".env"), problem);
    }

    [Fact]
    public void Load_NoProviderKeyWhenNotRequired_Succeeds()
    {
        var settings = SettingsLoader.Load(Source("PORT=8001\n"), requireProviderKey: false);

        Assert.Equal(8001, settings.Port);
        Assert.Equal("", settings.ProviderApiKey);
    }

    private const string BaseUrl = "an absolute http or https URL such as https://api.openai.com/v1";
    private const string Listen = "an IP address or host name to listen on, such as 0.0.0.0 (every IPv4 address), :: or 127.0.0.1";
    private const string Zone = "an IANA time zone id such as UTC, Europe/Berlin or America/New_York that this system knows " +
        "(Linux reads them from /usr/share/zoneinfo, the tzdata package)";

    /// <summary>Key, bad value, and what the line says the key must be.</summary>
    public static TheoryData<string, string, string> BadValues() => new()
    {
        { "PORT", "eighty", "a whole number from 0 to 65535" },
        { "PORT", "65536", "a whole number from 0 to 65535" },
        { "PORT", "-1", "a whole number from 0 to 65535" },
        { "PROVIDER_BASE_URL", "api.openai.com/v1", BaseUrl },
        { "PROVIDER_BASE_URL", "ftp://host/v1", BaseUrl },
        { "HOST", "not a host", Listen },
        { "MAX_REQUEST_BODY_MB", "0", "a whole number from 1 to 4096" },
        { "MAX_REQUEST_BODY_MB", "1.5", "a whole number from 1 to 4096" },
        { "UPSTREAM_IDLE_TIMEOUT_SECONDS", "0", "a whole number from 1 to 86400" },
        { "FORWARD_UNKNOWN_ENDPOINTS", "maybe", "true or false" },
        { "DEFAULT_COMPLETION_ALLOWANCE", "lots", "a whole number from 1 to 10000000" },
        { "QUOTA_TIME_ZONE", "Mars/Olympus", Zone },
        { "ALERT_WEBHOOK_URL", "hooks.example.com", "an absolute http or https URL" },
        { "LOG_RETENTION_DAYS", "-5", "a whole number from 0 to 36500" },
        { "SHUTDOWN_GRACE_SECONDS", "3601", "a whole number from 0 to 3600" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Load_BadValue_OneLineNamingKeyOriginAndExpectation(string key, string value, string expectation)
    {
        var source = Source($"PROVIDER_API_KEY=k\n{key}={value}\n");

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(source));

        Assert.Equal($"{key} in {_folder.File(".env")} must be {expectation}; got '{value}'.", Assert.Single(error.Problems));
    }

    [Fact]
    public void Load_BadProviderUrlWithCredentials_ErrorMasksThem()
    {
        var source = Source("PROVIDER_API_KEY=k\nPROVIDER_BASE_URL=https://user:hunter2@host/v1?key=1\n");

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(source));

        Assert.EndsWith("got 'https://***@host/v1?***'.", Assert.Single(error.Problems));
    }

    /// <summary>Lists and paths say which entry or folder is wrong instead of echoing the whole value.</summary>
    public static TheoryData<string, string, string> BadEntries() => new()
    {
        { "ALLOWED_MODELS", "gpt-5,gpt 5", "must be a comma-separated list of model names; 'gpt 5' contains a space or control character." },
        { "TRUSTED_PROXIES", "10.0.0.1,10.0.0.0/8", "must be a comma-separated list of IP addresses such as 127.0.0.1,::1 " +
            "(ranges are not supported); '10.0.0.0/8' is not one." },
        { "TRUSTED_PROXIES", "10", "must be a comma-separated list of IP addresses such as 127.0.0.1,::1 " +
            "(ranges are not supported); '10' is not one." },
        { "DATABASE_PATH", "/no/such/folder/x.db", "must be a file path in an existing folder, but the folder /no/such/folder does not exist." },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public void Load_BadListEntryOrPath_OneLineNamingTheEntry(string key, string value, string message)
    {
        var source = Source($"PROVIDER_API_KEY=k\n{key}={value}\n");

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(source));

        var problem = Assert.Single(error.Problems);
        Assert.Equal($"{key} in {_folder.File(".env")} {message}", problem);
        Assert.DoesNotContain('\n', problem);
    }

    [Theory]
    [InlineData("PROVIDER_BASE_URL", "http://user:pass@host/v1?api-key=SECRET", "http://***@host/v1?***")]
    [InlineData("PROVIDER_BASE_URL", "https://key@host:8443/v1#SECRET", "https://***@host:8443/v1#***")]
    [InlineData("PROVIDER_BASE_URL", "ftp://user:pass@host/v1", "ftp://***@host/v1")]
    [InlineData("ALERT_WEBHOOK_URL", "hooks.example/x?token=SECRET", "hooks.example/x?***")]
    public void Load_RejectedUrl_IsEchoedWithoutItsCredentialsOrQuery(string key, string value, string shown)
    {
        var source = Source($"PROVIDER_API_KEY=k\n{key}={value}\n");

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(source));

        var problem = Assert.Single(error.Problems);
        Assert.EndsWith($"; got '{shown}'.", problem);
        Assert.DoesNotContain("SECRET", problem);
        Assert.DoesNotContain("pass", problem);
    }

    [Theory]
    [InlineData("PROVIDER_API_KEY")]
    [InlineData("ADMIN_PASSWORD")]
    public void Load_SecretWithSpace_IsRefusedWithoutEchoingIt(string key)
    {
        var source = Source(
            "PROVIDER_API_KEY=k\n",
            new Dictionary<string, string> { [key] = "sk-abc def" });

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(source));

        Assert.Equal($"{key} (from the environment) must not contain spaces or control characters.", Assert.Single(error.Problems));
        Assert.DoesNotContain("sk-abc", error.Message);
    }

    [Fact]
    public void Load_BadCommandLineValue_NamesTheOption()
    {
        var source = Source("PROVIDER_API_KEY=k\n", null, new SettingOverride(SettingKeys.Port, "--port", "http"));

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(source));

        Assert.Equal("--port must be a whole number from 0 to 65535; got 'http'.", Assert.Single(error.Problems));
    }

    [Fact]
    public void Load_SeveralBadValues_ReportsEachOnItsOwnLine()
    {
        var source = Source("PORT=x\nLOG_RETENTION_DAYS=y\n");

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(source));

        Assert.Equal(3, error.Problems.Count);
        Assert.StartsWith("PROVIDER_API_KEY is not set", error.Problems[0]);
        Assert.StartsWith("PORT in", error.Problems[1]);
        Assert.StartsWith("LOG_RETENTION_DAYS in", error.Problems[2]);
    }

    [Fact]
    public void Load_BadValueWithControlCharacters_EchoesThemEscaped()
    {
        var source = Source("PROVIDER_API_KEY=k\n", new Dictionary<string, string> { ["PORT"] = "80\u001b[2J" });

        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(source));

        Assert.Equal("PORT (from the environment) must be a whole number from 0 to 65535; got '80\\u001b[2J'.", error.Problems[0]);
    }

    [Theory]
    [InlineData("UTC")]
    [InlineData("Etc/UTC")]
    [InlineData("America/New_York")]
    [InlineData("Asia/Kolkata")]
    public void Load_IanaTimeZone_IsFoundWithInvariantGlobalization(string zone)
    {
        var settings = SettingsLoader.Load(Source($"PROVIDER_API_KEY=k\nQUOTA_TIME_ZONE={zone}\n"));

        Assert.NotNull(settings.QuotaTimeZone);
        Assert.Equal(zone == "UTC" ? TimeZoneInfo.Utc.Id : zone, settings.QuotaTimeZone.Id);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("1", true)]
    [InlineData("on", true)]
    [InlineData("no", false)]
    [InlineData("0", false)]
    [InlineData("Off", false)]
    public void Load_BooleanSpellings_AreAccepted(string text, bool expected)
    {
        var settings = SettingsLoader.Load(Source($"PROVIDER_API_KEY=k\nFORWARD_UNKNOWN_ENDPOINTS={text}\n"));

        Assert.Equal(expected, settings.ForwardUnknownEndpoints);
    }

    [Fact]
    public void Load_DatabasePathIsAFolder_IsRefused()
    {
        var error = Assert.Throws<SettingsException>(() =>
            SettingsLoader.Load(Source($"PROVIDER_API_KEY=k\nDATABASE_PATH={_folder.Path}\n")));

        Assert.Equal($"DATABASE_PATH in {_folder.File(".env")} must be the path of a file, but {_folder.Path} is a folder.",
            Assert.Single(error.Problems));
    }
}
