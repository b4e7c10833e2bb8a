using System.Text;

namespace TokenRouter.Tests.Infrastructure.Tests;

public sealed class SseScriptTests : IAsyncLifetime
{
    /// <summary>An event with CRLF endings and multi-byte characters (2, 3 and 4 bytes in UTF-8).</summary>
    private const string SampleEvent = "event: delta\r\nid: 7\r\ndata: {\"content\":\"é€😀\"}\r\n\r\n";

    private FakeUpstream _upstream = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _client = new HttpClient { BaseAddress = _upstream.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public void RawSplit_CutsAtTheOffsets_WritesJoinToTheOriginal()
    {
        var script = new SseScript().RawSplit(SampleEvent, 1, 10, 40);

        var writes = script.Steps.OfType<SseStep.Write>().Select(w => w.Bytes).ToList();

        Assert.Equal([1, 9, 30], writes.Take(3).Select(w => w.Length));
        Assert.Equal(Encoding.UTF8.GetBytes(SampleEvent), script.AllBytes);
    }

    [Fact]
    public void RawSplit_OffsetOutsideTheBytes_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SseScript().RawSplit("abc", 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SseScript().RawSplit("abc", 0));
    }

    [Fact]
    public void RawInPieces_WritesFixedSizePieces()
    {
        var script = new SseScript().RawInPieces("abcdefg", 3);

        Assert.Equal(["abc", "def", "g"], script.Writes);
    }

    [Fact]
    public void Helpers_WriteSseFieldsWithTheChosenLineEnding()
    {
        var script = new SseScript()
            .Comment()
            .Event("response.completed", "{}", "\r\n")
            .Data("{\"a\":1}", "\r")
            .Done();

        Assert.Equal(
            ": keep-alive\n\nevent: response.completed\r\ndata: {}\r\n\r\ndata: {\"a\":1}\r\rdata: [DONE]\n\n",
            script.AllText);
        Assert.False(script.Aborts);
        Assert.True(new SseScript().Abort().Aborts);
    }

    [Fact]
    public async Task Stream_WriteBeforeAGate_ArrivesBeforeTheGateOpens()
    {
        var gate = new TaskCompletionSource();
        _upstream.On("chat/completions").Once(FakeResponse.Sse(s => s
            .Raw("data: first\n\n")
            .WaitFor(gate.Task)
            .Raw("data: second\n\n")));
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions");

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var first = await reader.ReadEventAsync().WaitAsync(TimeSpan.FromSeconds(15));
        gate.SetResult();
        var second = await reader.ReadEventAsync();

        Assert.Equal("first", first!.Data);
        Assert.Equal("second", second!.Data);
        Assert.Null(await reader.ReadEventAsync());
        Assert.False(reader.EndedMidEvent);
    }

    [Fact]
    public async Task Stream_SplitAtEveryByte_ClientReceivesTheExactBytes()
    {
        var bytes = Encoding.UTF8.GetBytes(SampleEvent);
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var script = new SseScript().RawSplit(bytes, cut).Done();
            _upstream.On("chat/completions").Once(FakeResponse.Sse(script));

            using var response = await _client.PostAsync("chat/completions", null);
            var received = await response.Content.ReadAsByteArrayAsync();

            Assert.Equal(script.AllBytes, received);
        }
    }

    [Fact]
    public async Task Stream_HeadersThenSilence_HeadersArriveBeforeTheFirstByte()
    {
        var gate = new TaskCompletionSource();
        _upstream.On("chat/completions")
            .Once(FakeResponse.Sse(s => s.WaitFor(gate.Task).Done()).WithHeader("x-request-id", "req_1"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions");

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead)
            .WaitAsync(TimeSpan.FromSeconds(15));
        gate.SetResult();

        Assert.Equal("req_1", response.Headers.GetValues("x-request-id").Single());
        Assert.Equal("data: [DONE]\n\n", await response.Content.ReadAsStringAsync());
    }
}
