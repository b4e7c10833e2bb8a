using System.Text;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Proxy;

/// <summary>
/// The client receives exactly the bytes the provider sent (CRLF, CR and LF line endings,
/// comments, event/id/retry fields, multi-line data, multi-byte characters), however the
/// provider's writes cut them, apart from the usage chunk the client did not ask for; and
/// each event is passed on as it arrives, not when the stream ends.
/// </summary>
public sealed class StreamFidelityTests : IClassFixture<ProxyFixture>
{
    private const string UsageEvent =
        "data: {\"id\":\"s\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}\n\n";

    // Every kind of line ending and field, and characters of 2, 3 and 4 bytes.
    private const string BeforeUsage =
        ": provider comment\r\nretry: 3000\r\n\r\n" +
        "event: message\r\nid: e1\r\n" +
        "data: {\"id\":\"s\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"h\u00e9 \u4e16\u754c \ud83c\udf0d\"}}]}\r\n\r\n" +
        "id: e2\rdata: {\"id\":\"s\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" \u00fc\u2713\"}}]}\r\r" +
        "data: {\"id\":\"s\",\n" +
        "data: \"choices\":[{\"index\":0,\"delta\":{\"content\":\" \ud83d\ude00\"},\"finish_reason\":\"stop\"}]}\n\n" +
        ": keep-alive\n\n";

    private const string AfterUsage = "data: [DONE]\n\n";

    private readonly ProxyFixture _env;

    public StreamFidelityTests(ProxyFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Fact]
    public async Task SampleStream_SplitAtEveryByteOffset_ArrivesByteIdentical_WithoutTheHiddenUsageChunk()
    {
        var sample = Encoding.UTF8.GetBytes(BeforeUsage + UsageEvent + AfterUsage);
        var expected = Encoding.UTF8.GetBytes(BeforeUsage + AfterUsage);
        var team = await Router.CreateTeamDirectAsync(UniqueName("sse-split"), 10_000_000);
        using var client = Router.CreateClient(team.Token);
        var body = ChatBody("Say hello", stream: true);

        var mismatches = new List<int>();
        for (var offset = 1; offset < sample.Length; offset++)
        {
            // One cut per request, the two writes a moment apart so the router reads them apart.
            var script = new SseScript().WithDelayBetweenWrites(TimeSpan.FromMilliseconds(2)).RawSplit(sample, offset);
            Upstream.On("chat/completions").Once(FakeResponse.Sse(script));

            using var response = await PostStreamingAsync(client, "v1/chat/completions", body);
            var received = await response.Content.ReadAsByteArrayAsync();
            if (!expected.SequenceEqual(received))
            {
                mismatches.Add(offset);
            }
        }

        Assert.Empty(mismatches);
        var rows = await Router.WaitForLogRowsAsync(team.Id, sample.Length - 1);
        Assert.All(rows, r => Assert.Equal(new RowFacts("/v1/chat/completions", "gpt-4o-mini", true, 200, 5, 3, 8), RowFacts.Of(r)));
        await AssertUsedAsync(Router, team.Id, 8L * (sample.Length - 1));
    }

    [Fact]
    public async Task SampleStream_OneByteAtATime_ClientAskingForUsage_ArrivesByteIdentical()
    {
        var sample = Encoding.UTF8.GetBytes(BeforeUsage + UsageEvent + AfterUsage);
        var team = await Router.CreateTeamDirectAsync(UniqueName("sse-bytes"), 10_000);
        Upstream.On("chat/completions").Once(FakeResponse.Sse(new SseScript().RawInPieces(sample, 1)));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostStreamingAsync(
            client, "v1/chat/completions", ChatBody("Say hello", stream: true, extra: ",\"stream_options\":{\"include_usage\":true}"));

        Assert.Equal(sample, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(
            new RowFacts("/v1/chat/completions", "gpt-4o-mini", true, 200, 5, 3, 8), RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task Stream_IsNotBuffered_TheFirstEventArrivesWhileTheProviderHoldsTheSecond()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("sse-live"), 10_000);
        var release = new TaskCompletionSource();
        var script = new SseScript()
            .Data(OpenAiPayloads.ChatRoleChunk("gpt-4o-mini"))
            .Data(OpenAiPayloads.ChatChunk("gpt-4o-mini", "first"))
            .WaitFor(release.Task)
            .Data(OpenAiPayloads.ChatChunk("gpt-4o-mini", " second"))
            .Data(OpenAiPayloads.ChatFinishChunk("gpt-4o-mini"))
            .Data(OpenAiPayloads.ChatUsageChunk("gpt-4o-mini", new FakeUsage(4, 2)))
            .Done();
        Upstream.On("chat/completions").Once(FakeResponse.Sse(script));
        using var client = Router.CreateClient(team.Token);
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(15));

        try
        {
            using var response = await PostStreamingAsync(client, "v1/chat/completions", ChatBody("hi", stream: true), patience.Token);
            var reader = new SseReader(await response.Content.ReadAsStreamAsync(patience.Token));
            var role = await reader.ReadEventAsync(patience.Token);
            var first = await reader.ReadEventAsync(patience.Token);

            Assert.False(release.Task.IsCompleted);
            Assert.Equal("assistant", (string?)role!.Json!["choices"]![0]!["delta"]!["role"]);
            Assert.Equal("first", (string?)first!.Json!["choices"]![0]!["delta"]!["content"]);
            Assert.Empty(await Router.LogRowsAsync(team.Id));

            release.SetResult();
            var rest = await reader.ReadAllAsync(patience.Token);
            Assert.Equal(" second", (string?)rest[0].Json!["choices"]![0]!["delta"]!["content"]);
            Assert.True(rest[^1].IsDone);
            Assert.Equal(3, rest.Count);
        }
        finally
        {
            release.TrySetResult();
        }

        Assert.Equal(6, (await SingleRowAsync(Router, team.Id)).TotalTokens);
    }
}
