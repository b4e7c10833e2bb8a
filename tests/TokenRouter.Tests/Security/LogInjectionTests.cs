using System.Net;
using System.Net.Http.Json;
using TokenRouter.Hosting;
using TokenRouter.Tests.Config;
using TokenRouter.Tests.Infrastructure;
using TokenRouter.Tests.Reliability;

namespace TokenRouter.Tests.Security;

/// <summary>Client-supplied text reaches the server log with its control characters escaped.</summary>
public sealed class LogInjectionTests : IDisposable
{
    private const string HostileModel = "gpt-test\u0000\u001b[2J\nforged line";
    private const string EscapedModel = "gpt-test\\u0000\\u001b[2J\\u000aforged line";

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task UnknownModelWithControlCharacters_IsLoggedEscapedOnOneConsoleLine()
    {
        await using var router = await RouterProcess.StartAsync(
            _folder.Path, _folder.File("books.db"), new Uri("http://127.0.0.1:9/v1/"));
        var team = await router.CreateTeamAsync("logs", 1_000);
        using var client = router.CreateClient(team.Token);

        using var answer = await client.PostAsJsonAsync("v1/chat/completions", new
        {
            model = HostileModel,
            messages = new[] { new { role = "user", content = "Hello" } },
        });

        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        await Eventually.UntilAsync(
            () => router.OutputLines.Any(l => l.Contains(EscapedModel, StringComparison.Ordinal)),
            "the 404's log line with the model escaped");
        Assert.DoesNotContain(router.OutputLines, l => l.Any(c => c < ' ' && c != '\t') || l.StartsWith("forged", StringComparison.Ordinal));
    }

    [Fact]
    public void PrintableLoggerProvider_EscapesEveryControlCharacterOfAMessage()
    {
        using var capture = new LogCapture();
        using var provider = new PrintableLoggerProvider(capture);

        provider.CreateLogger("Test").LogInformation("model {Model} from {UserAgent}", HostileModel, "curl\r\n\u2028x");

        var line = Assert.Single(capture.Lines);
        Assert.Equal($"model {EscapedModel} from curl\\u000d\\u000a\\u2028x", line.Message);
    }
}
