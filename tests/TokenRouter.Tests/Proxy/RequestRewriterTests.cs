using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using TokenRouter.Proxy;

namespace TokenRouter.Tests.Proxy;

public sealed class RequestRewriterTests
{
    private static string Rewrite(string json, string? configuredModel, bool askForUsage)
    {
        var body = Encoding.UTF8.GetBytes(json);
        Assert.True(RequestFactsReader.TryRead(body, new TokenEstimator(), out var facts, out _));
        var (buffer, length, rented) = RequestRewriter.Rewrite(body, body.Length, facts, configuredModel, askForUsage);
        var result = Encoding.UTF8.GetString(buffer, 0, length);
        if (rented)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return result;
    }

    [Fact]
    public void Rewrite_NothingToChange_KeepsEveryByte()
    {
        const string json = "{ \"model\" : \"gpt-4o\",\n  \"extra\": {\"keep\": [1, 2.50, \"x\"]} }";

        Assert.Equal(json, Rewrite(json, "gpt-4o", askForUsage: false));
    }

    [Fact]
    public void Rewrite_ModelSpelling_ReplacesOnlyTheModel()
    {
        Assert.Equal("""{"model":"GPT-5-nano","x":1}""", Rewrite("""{"model":"gpt-5-NANO","x":1}""", "GPT-5-nano", false));
    }

    [Theory]
    [InlineData("""{"model":"m","stream":true}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":null}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":{}}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"include_obfuscation":false}}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"include_usage":false}}""")]
    public void Rewrite_StreamWithoutUsage_AsksForUsageAndStaysValidJson(string json)
    {
        var rewritten = JsonNode.Parse(Rewrite(json, "m", askForUsage: true))!;

        Assert.True(rewritten["stream_options"]!["include_usage"]!.GetValue<bool>());
        Assert.Equal("m", rewritten["model"]!.GetValue<string>());
    }

    [Fact]
    public void Rewrite_ModelAndUsageTogether_ApplyBothInOrder()
    {
        var rewritten = JsonNode.Parse(Rewrite("""{"stream":true,"model":"x"}""", "X", askForUsage: true))!;

        Assert.Equal("X", rewritten["model"]!.GetValue<string>());
        Assert.True(rewritten["stream_options"]!["include_usage"]!.GetValue<bool>());
    }
}
