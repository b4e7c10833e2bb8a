using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.Versioning;
using TokenRouter.Tests.Config;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Reliability;

/// <summary>
/// Issue 6, SIGTERM: stop accepting, let the streams in flight finish within
/// SHUTDOWN_GRACE_SECONDS, settle and flush the books, exit 0. The upstream holds every
/// stream at a gate the test opens, so nothing here depends on timing guesses.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class GracefulShutdownTests : IAsyncLifetime
{
    private const string Model = "gpt-4o-mini";
    private static readonly FakeUsage Usage = new(11, 7);

    private readonly TempFolder _folder = new();
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FakeUpstream _upstream = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _upstream.RequiredApiKey = RouterProcess.ProviderApiKey;
        var script = new SseScript()
            .Data(OpenAiPayloads.ChatRoleChunk(Model))
            .Data(OpenAiPayloads.ChatChunk(Model, "Hello"))
            .WaitFor(_gate.Task)
            .Data(OpenAiPayloads.ChatChunk(Model, " world"))
            .Data(OpenAiPayloads.ChatFinishChunk(Model, "stop"))
            .Data(OpenAiPayloads.ChatUsageChunk(Model, Usage))
            .Done();
        _upstream.On("chat/completions").Always(FakeResponse.Sse(script));
    }

    public async Task DisposeAsync()
    {
        _gate.TrySetResult();
        await _upstream.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Sigterm_StreamsInFlight_RefusesNewConnectionsLetsTheStreamsFinishAndExitsZero()
    {
        var database = _folder.File("books.db");
        await using var router = await RouterProcess.StartAsync(_folder.Path, database, _upstream.BaseUrl,
            new Dictionary<string, string> { ["SHUTDOWN_GRACE_SECONDS"] = "60" });
        var team = await router.CreateTeamAsync("graceful", 1_000_000);
        var streams = await OpenStreamsAsync(router, team.Token, count: 4);

        router.Terminate();

        // Stopping: no new connection is accepted, while the four streams wait at the gate.
        await Eventually.UntilAsync(() => !Accepts(router.BaseUrl), "the listener to close", RouterProcess.Patience);
        using (var late = new HttpClient { BaseAddress = router.BaseUrl })
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => late.GetAsync("healthz"));
        }

        Assert.False(router.HasExited);

        // The provider goes on: every stream reaches its [DONE], then the process exits 0.
        _gate.SetResult();
        foreach (var stream in streams)
        {
            Assert.True(await stream.ReadToDoneAsync(), "A stream in flight at SIGTERM was cut before its [DONE].");
        }

        Assert.Equal(0, await router.WaitForExitAsync(RouterProcess.Patience));
        Assert.Empty(router.ErrorLines);
        Assert.DoesNotContain(router.OutputLines, IsErrorLine);

        // Settled and flushed: each stream charged once, and the WAL folded into the file.
        var books = new BooksFile(database);
        var rows = books.Requests(team.Id);
        Assert.All(streams, s => Assert.Equal((200, Usage.TotalTokens), (rows[s.RequestId].Status, rows[s.RequestId].TotalTokens)));
        Assert.Equal((4 * Usage.TotalTokens, 4 * Usage.TotalTokens), books.UsedAndLogged(team.Id));
        Assert.False(File.Exists(database + "-wal") && new FileInfo(database + "-wal").Length > 0,
            "The WAL still holds commits after a clean stop.");
    }

    [Fact]
    public async Task Sigterm_StreamsOutlastTheGrace_AreCutAtTheGraceButChargedAndTheProcessExitsZero()
    {
        var database = _folder.File("books.db");
        await using var router = await RouterProcess.StartAsync(_folder.Path, database, _upstream.BaseUrl,
            new Dictionary<string, string> { ["SHUTDOWN_GRACE_SECONDS"] = "2" });
        var team = await router.CreateTeamAsync("impatient", 1_000_000);
        var streams = await OpenStreamsAsync(router, team.Token, count: 2);

        router.Terminate();

        // The gate never opens: after the grace the streams are cut, and the process still ends well.
        Assert.Equal(0, await router.WaitForExitAsync(RouterProcess.Patience));
        foreach (var stream in streams)
        {
            Assert.False(await stream.ReadToDoneAsync());
        }

        Assert.Empty(router.ErrorLines);
        Assert.DoesNotContain(router.OutputLines, IsErrorLine);

        // The tokens the provider produced before the cut are charged, estimated, never zero.
        var books = new BooksFile(database);
        var rows = books.Requests(team.Id);
        Assert.All(streams, s => Assert.True(rows.TryGetValue(s.RequestId, out var row) && row.TotalTokens > 0,
            $"No charged log row for the cut stream {s.RequestId}."));
        var (used, logged) = books.UsedAndLogged(team.Id);
        Assert.Equal(logged, used);
        Assert.True(used > 0);
    }

    private static async Task<IReadOnlyList<OpenStream>> OpenStreamsAsync(RouterProcess router, string token, int count)
    {
        var streams = new List<OpenStream>();
        for (var i = 0; i < count; i++)
        {
            // A client each, as separate users would be: one connection per stream.
            var client = router.CreateClient(token);
            var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
            {
                Content = JsonContent.Create(new
                {
                    model = Model,
                    messages = new[] { new { role = "user", content = "Say hello" } },
                    stream = true,
                }),
            };
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            var reader = new SseReader(await response.Content.ReadAsStreamAsync());

            // The role chunk and the first words: the stream is open at both ends.
            for (var read = 0; read < 2; read++)
            {
                Assert.NotNull(await reader.ReadEventAsync().WaitAsync(RouterProcess.Patience));
            }

            streams.Add(new OpenStream(client, response, reader, response.Headers.GetValues("x-request-id").Single()));
        }

        return streams;
    }

    private static bool Accepts(Uri baseUrl)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(baseUrl.Host, baseUrl.Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A console log line at level Error or Critical (the simple console's "fail:" and "crit:").</summary>
    private static bool IsErrorLine(string line) => line.Contains(" fail: ", StringComparison.Ordinal)
        || line.Contains(" crit: ", StringComparison.Ordinal);

    private sealed record OpenStream(HttpClient Client, HttpResponseMessage Response, SseReader Reader, string RequestId)
    {
        /// <summary>True when the stream reached <c>data: [DONE]</c>; false when it ended or broke before.</summary>
        public async Task<bool> ReadToDoneAsync()
        {
            try
            {
                while (await Reader.ReadEventAsync().WaitAsync(RouterProcess.Patience) is { } next)
                {
                    if (next.IsDone)
                    {
                        return true;
                    }
                }

                return false;
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                return false;
            }
            finally
            {
                Response.Dispose();
                Client.Dispose();
            }
        }
    }
}
