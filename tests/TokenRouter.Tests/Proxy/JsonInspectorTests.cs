using System.Text;
using TokenRouter.Proxy;

namespace TokenRouter.Tests.Proxy;

public sealed class JsonInspectorTests
{
    private static JsonInspection Inspect(string json, StringBuilder? produced = null) =>
        JsonInspector.Inspect(Encoding.UTF8.GetBytes(json), produced);

    [Fact]
    public void Inspect_ChatCompletion_ReadsUsageWithDetailsInsideTheTotal()
    {
        var usage = Inspect("""
            {"id":"x","choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":10,"completion_tokens":5,
            "total_tokens":15,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}}
            """).Usage;

        Assert.Equal(new UsageReport(10, 5, 15, 4, 2), usage);
    }

    [Fact]
    public void Inspect_ResponsesCompletedEvent_ReadsUsageUnderResponse()
    {
        var usage = Inspect("""
            {"type":"response.completed","response":{"id":"r","output":[],"usage":{"input_tokens":7,
            "input_tokens_details":{"cached_tokens":1},"output_tokens":3,"output_tokens_details":{"reasoning_tokens":1},"total_tokens":10}}}
            """).Usage;

        Assert.Equal(new UsageReport(7, 3, 10, 1, 1), usage);
    }

    [Fact]
    public void Inspect_FinalUsageChunk_HasEmptyChoices()
    {
        var inspection = Inspect("""{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}""");

        Assert.True(inspection.EmptyChoices);
        Assert.Equal(3, inspection.Usage!.Value.Total);
    }

    [Fact]
    public void Inspect_NullUsage_IsNoUsage()
    {
        Assert.Null(Inspect("""{"choices":[{"delta":{"content":"a"}}],"usage":null}""").Usage);
    }

    [Fact]
    public void Inspect_ErrorObject_IsSeen()
    {
        Assert.True(Inspect("""{"error":{"message":"boom","type":"server_error"}}""").HasError);
    }

    [Fact]
    public void Inspect_ChatChunks_CollectProducedText()
    {
        var produced = new StringBuilder();

        Inspect("""{"choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}""", produced);
        Inspect("""{"choices":[{"index":0,"delta":{"content":"lo"}}]}""", produced);

        Assert.Equal("Hello", produced.ToString());
    }

    [Fact]
    public void Inspect_ResponsesDoneEvents_AreNotCountedTwice()
    {
        var produced = new StringBuilder();

        Inspect("""{"type":"response.output_text.delta","delta":"Hi"}""", produced);
        Inspect("""{"type":"response.output_text.done","text":"Hi"}""", produced);

        Assert.Equal("Hi", produced.ToString());
    }

    [Fact]
    public void Inspect_NotJson_LearnsNothing()
    {
        Assert.Null(Inspect("{not json").Usage);
    }
}
