using System.Text;

namespace TokenRouter.Tests.Infrastructure.Tests;

public sealed class SseReaderTests
{
    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Parse_AnyLineEnding_ReadsTheSameEvents(string newline)
    {
        var body = $"event: a{newline}id: 1{newline}retry: 500{newline}data: x{newline}data: y{newline}{newline}" +
            $": keep-alive{newline}{newline}data: [DONE]{newline}{newline}";

        var events = SseReader.Parse(body);

        Assert.Equal(3, events.Count);
        Assert.Equal(new SseEvent("a", "x\ny", "1", 500, []), events[0] with { Comments = [] });
        Assert.Equal(["keep-alive"], events[1].Comments);
        Assert.Null(events[1].Data);
        Assert.True(events[2].IsDone);
    }

    [Fact]
    public void Parse_FieldRules_FollowTheSpecification()
    {
        var events = SseReader.Parse("data:no-space\ndata:  two-spaces\nretry: x1\nunknown: z\ndata\n\n");

        Assert.Equal("no-space\n two-spaces\n", events.Single().Data);
        Assert.Null(events.Single().Retry);
    }

    [Fact]
    public async Task ReadEventAsync_OneByteAtATime_ReassemblesMultiByteCharactersAndCrLf()
    {
        var body = Encoding.UTF8.GetBytes("data: {\"t\":\"é€😀\"}\r\n\r\ndata: [DONE]\r\n\r\n");
        var reader = new SseReader(new TrickleStream(body));

        var events = await reader.ReadAllAsync();

        Assert.Equal("{\"t\":\"é€😀\"}", events[0].Data);
        Assert.Equal("é€😀", (string?)events[0].Json!["t"]);
        Assert.True(events[1].IsDone);
        Assert.Equal(body, reader.RawBytes.ToArray());
    }

    [Fact]
    public async Task ReadEventAsync_StreamEndsMidEvent_DropsItAndSaysSo()
    {
        var reader = new SseReader(new MemoryStream(Encoding.UTF8.GetBytes("data: whole\n\ndata: cut")));

        var events = await reader.ReadAllAsync();

        Assert.Equal("whole", events.Single().Data);
        Assert.True(reader.EndedMidEvent);
    }

    /// <summary>A stream that hands out one byte per read, like the worst network.</summary>
    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 1)], cancellationToken);
    }
}
