using System.Text;
using TokenRouter.Proxy;

namespace TokenRouter.Tests.Proxy;

public sealed class SseEventSplitterTests
{
    private static List<(string Raw, string? Data)> Split(byte[] input, IEnumerable<int> cuts)
    {
        var events = new List<(string, string?)>();
        using var splitter = new SseEventSplitter();
        var position = 0;
        foreach (var cut in cuts.Append(input.Length))
        {
            var piece = input.AsSpan(position, cut - position);
            piece.CopyTo(splitter.GetWriteMemory().Span);
            splitter.Advance(piece.Length);
            position = cut;
            while (splitter.TryReadEvent(endOfStream: false, out var e))
            {
                events.Add((Encoding.UTF8.GetString(e.Raw.Span), e.HasData ? Encoding.UTF8.GetString(e.Data.Span) : null));
            }
        }

        while (splitter.TryReadEvent(endOfStream: true, out var last))
        {
            events.Add((Encoding.UTF8.GetString(last.Raw.Span), last.HasData ? Encoding.UTF8.GetString(last.Data.Span) : null));
        }

        return events;
    }

    private const string Sample =
        "event: message\r\nid: 7\r\nretry: 1000\r\ndata: {\"text\":\"héllo 😀\"}\r\n\r\n" +
        ": keep-alive\n\n" +
        "data: line one\rdata: line two\r\r" +
        "data:no-space\n\n" +
        "data: [DONE]\n\n";

    [Fact]
    public void TryReadEvent_SplitAtEveryByte_YieldsTheSameEventsAndBytes()
    {
        var input = Encoding.UTF8.GetBytes(Sample);
        var whole = Split(input, []);

        for (var cut = 1; cut < input.Length; cut++)
        {
            Assert.Equal(whole, Split(input, [cut]));
        }

        Assert.Equal(Sample, string.Concat(whole.Select(e => e.Raw)));
    }

    [Fact]
    public void TryReadEvent_OneByteAtATime_KeepsMultiByteCharactersWhole()
    {
        var input = Encoding.UTF8.GetBytes(Sample);

        var events = Split(input, Enumerable.Range(1, input.Length - 1));

        Assert.Equal(["{\"text\":\"héllo 😀\"}", null, "line one\nline two", "no-space", "[DONE]"], events.Select(e => e.Data));
    }

    [Fact]
    public void TryReadEvent_CommentOnlyEvent_HasNoDataButKeepsItsBytes()
    {
        var events = Split(Encoding.UTF8.GetBytes(": ping\n\n"), []);

        Assert.Equal([(": ping\n\n", (string?)null)], events);
    }

    [Fact]
    public void TryReadEvent_StreamEndsWithoutBlankLine_LastEventStillComesOut()
    {
        var events = Split(Encoding.UTF8.GetBytes("data: a\n\ndata: [DONE]\n"), []);

        Assert.Equal(["a", "[DONE]"], events.Select(e => e.Data));
        Assert.Equal("data: [DONE]\n", events[1].Raw);
    }

    [Fact]
    public void TryReadEvent_CrAtTheEdgeOfARead_WaitsToSeeWhetherLfFollows()
    {
        var input = Encoding.UTF8.GetBytes("data: x\r\n\r\n");

        var events = Split(input, [8, 9, 10]);

        Assert.Single(events);
        Assert.Equal("data: x\r\n\r\n", events[0].Raw);
    }

    [Fact]
    public void TryReadEvent_LargeEvent_GrowsTheBuffer()
    {
        var payload = new string('x', 100_000);
        var input = Encoding.UTF8.GetBytes($"data: {payload}\n\n");

        var events = Split(input, Enumerable.Range(1, 50).Select(i => i * 2000));

        Assert.Equal(payload, Assert.Single(events).Data);
    }
}
