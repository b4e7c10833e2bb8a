using System.Text.Json;
using TokenRouter.Config;

namespace TokenRouter.Tests.Admin;

/// <summary>A server whose PROVIDER_BASE_URL carries a user name and password.</summary>
public sealed class CredentialUrlServer : AdminServer
{
    public const string Secret = "pr0vider-pa55word";

    private protected override RouterSettings Configure(RouterSettings settings) =>
        settings with { ProviderBaseUrl = new Uri($"http://gateway-user:{Secret}@provider.example:8080/v1/") };
}

/// <summary>Credentials written into PROVIDER_BASE_URL are shown nowhere.</summary>
public sealed class ProviderUrlCredentialsTests(CredentialUrlServer server) : IClassFixture<CredentialUrlServer>
{
    [Fact]
    public async Task Settings_ShowTheProviderUrlWithItsCredentialsMasked()
    {
        using var client = server.BearerClient();

        var text = await client.GetStringAsync("/admin/api/settings");

        var shown = JsonDocument.Parse(text).RootElement.GetProperty("provider_base_url").GetString();
        Assert.Equal("http://***@provider.example:8080/v1/", shown);
        Assert.DoesNotContain(CredentialUrlServer.Secret, text);
        Assert.DoesNotContain("gateway-user", text);
    }

    [Theory]
    [InlineData("https://user:secret@host/v1", "https://***@host/v1")]
    [InlineData("https://token@host:8443/v1/", "https://***@host:8443/v1/")]
    [InlineData("https://host/v1/path@with-at", "https://host/v1/path@with-at")]
    [InlineData("https://a:b@c@host?x=@", "https://***@host?***")]
    [InlineData("http://user:p@ss@host/v1?api-key=SECRET#top", "http://***@host/v1?***")]
    [InlineData("host/v1", "host/v1")]
    [InlineData("http://", "http://")]
    public void Hide_MasksTheUserInfoAndTheQuery(string text, string expected) =>
        Assert.Equal(expected, UrlCredentials.Hide(text));

    [Fact]
    public void Hide_LeavesAUrlWithoutCredentialsAsItIs()
    {
        var url = new Uri("https://api.openai.com/v1/");

        Assert.Same(url, UrlCredentials.Hide(url));
    }
}
