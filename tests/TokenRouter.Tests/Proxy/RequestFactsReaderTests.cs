using System.Text;
using TokenRouter.Proxy;

namespace TokenRouter.Tests.Proxy;

public sealed class RequestFactsReaderTests
{
    private static readonly TokenEstimator Estimator = new();

    private static RequestFacts Read(string json)
    {
        Assert.True(RequestFactsReader.TryRead(Encoding.UTF8.GetBytes(json), Estimator, out var facts, out var error), error?.Message);
        return facts;
    }

    private static OpenAIError Refuse(string json)
    {
        Assert.False(RequestFactsReader.TryRead(Encoding.UTF8.GetBytes(json), Estimator, out _, out var error));
        return error!;
    }

    [Fact]
    public void TryRead_ChatRequest_FindsModelStreamLimitAndUser()
    {
        var facts = Read("""
            {"model":"gpt-4o-mini","stream":true,"max_tokens":50,"n":2,"user":"u1",
            "messages":[{"role":"user","content":"Hello"}]}
            """);

        Assert.Equal("gpt-4o-mini", facts.Model);
        Assert.True(facts.Stream);
        Assert.Equal(100, facts.MaxOutputTokens);
        Assert.Equal("u1", facts.EndUser);
        Assert.False(facts.ClientWantsStreamUsage);
        Assert.InRange(facts.PromptTokens, 5, 20);
    }

    [Fact]
    public void TryRead_BestOf_MultipliesTheOutputLimit()
    {
        Assert.Equal(1000, Read("""{"model":"m","prompt":"hi","best_of":20,"max_tokens":50}""").MaxOutputTokens);
    }

    [Fact]
    public void TryRead_ImageParts_AreCountedByPartNotByBase64()
    {
        var image = "data:image/png;base64," + new string('A', 200_000);
        var facts = Read($$$"""
            {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is it"},
            {"type":"image_url","image_url":{"url":"{{{image}}}"}}]}]}
            """);

        Assert.InRange(facts.PromptTokens, 765, 800);
    }

    [Fact]
    public void TryRead_StreamOptionsWithIncludeUsage_IsRecorded()
    {
        var facts = Read("""{"model":"m","stream":true,"stream_options":{"include_usage":true}}""");

        Assert.True(facts.ClientWantsStreamUsage);
        Assert.Equal(StreamOptionsShape.Object, facts.StreamOptions);
    }

    [Theory]
    [InlineData("""{"model":5}""", "model")]
    [InlineData("""{"model":"m","messages":"hi"}""", "messages")]
    [InlineData("""{"model":"m","stream":"yes"}""", "stream")]
    [InlineData("""{"model":"m","max_tokens":-1}""", "max_tokens")]
    [InlineData("""{"model":"m","max_tokens":"10"}""", "max_tokens")]
    [InlineData("""{"model":"a","model":"b"}""", "model")]
    [InlineData("""{"model":"m","max_tokens":9223372036854775807}""", "max_tokens")]
    [InlineData("""{"model":"m","max_tokens":288230376151695719,"n":64}""", "max_tokens")]
    [InlineData("""{"model":"m","n":100000}""", "n")]
    [InlineData("""{"model":"m","best_of":0}""", "best_of")]
    public void TryRead_WrongTypes_NameTheField(string json, string param)
    {
        var error = Refuse(json);

        Assert.Equal(400, error.Status);
        Assert.Equal(param, error.Param);
    }

    [Theory]
    [InlineData("{\"model\":")]
    [InlineData("[1,2]")]
    [InlineData("")]
    [InlineData("{\"model\":\"m\"} trailing")]
    public void TryRead_NotAJsonObject_IsABadRequest(string json)
    {
        Assert.Equal(400, Refuse(json).Status);
    }
}
