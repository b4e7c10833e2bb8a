using Microsoft.Extensions.Configuration;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Hosting;

/// <summary>
/// The server reads its configuration once. A reloading configuration watches the working
/// directory, where the database usually lives, and every write to the books would wake it.
/// </summary>
public sealed class ConfigurationWatchTests
{
    [Fact]
    public async Task No_configuration_file_is_watched_for_changes()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        await using var router = await RouterServer.StartAsync(upstream.BaseUrl);

        var configuration = (IConfigurationRoot)router.Services.GetRequiredService<IConfiguration>();
        var fileSources = configuration.Providers
            .OfType<FileConfigurationProvider>()
            .Select(provider => provider.Source)
            .ToList();

        Assert.NotEmpty(fileSources);
        Assert.All(fileSources, source => Assert.False(source.ReloadOnChange, $"{source.Path} reloads on change"));
    }
}
