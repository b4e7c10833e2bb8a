namespace TokenRouter.Tests.Infrastructure.Tests;

/// <summary>
/// The JS end-to-end scripts (official <c>openai</c> npm package) run against the fake
/// upstream directly, so a failure in a router test is the router's, not the script's.
/// </summary>
public sealed class NodeScriptTests : IAsyncLifetime
{
    private const string Key = "sk-fake-direct";
    private FakeUpstream _upstream = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _upstream.RequiredApiKey = Key;
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private string BaseUrl => _upstream.Origin.ToString();

    [Fact]
    public async Task ChatStream_WithUsage_PrintsTheTextAndUsage()
    {
        _upstream.Defaults.Usage = new FakeUsage(20, 40);

        var result = await NodeScript.RunAsync(NodeScript.ChatStream, BaseUrl, Key);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("Hello from the fake upstream.", (string?)result.Json["text"]);
        Assert.Equal("stop", (string?)result.Json["finishReason"]);
        Assert.Equal(60, (long)result.Json["usage"]!["total_tokens"]!);
        Assert.True(_upstream.LastRequest.IncludeUsage);
        Assert.Equal("gpt-4o-mini", _upstream.LastRequest.Model);
    }

    [Fact]
    public async Task ChatStream_WithoutUsage_SendsNoStreamOptionsAndPrintsNullUsage()
    {
        var settings = new Dictionary<string, string> { ["INCLUDE_USAGE"] = "false", ["MODEL"] = "GPT-5-nano" };

        var result = await NodeScript.RunAsync(NodeScript.ChatStream, BaseUrl, Key, settings);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Null(result.Json["usage"]);
        Assert.False(_upstream.LastRequest.IncludeUsage);
        Assert.Equal("GPT-5-nano", _upstream.LastRequest.Model);
    }

    [Fact]
    public async Task ResponsesStream_PrintsTheTextEventsAndCompletedUsage()
    {
        _upstream.Defaults.Usage = new FakeUsage(9, 4);

        var result = await NodeScript.RunAsync(NodeScript.ResponsesStream, BaseUrl, Key);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("Hello from the fake upstream.", (string?)result.Json["text"]);
        Assert.Equal("completed", (string?)result.Json["status"]);
        Assert.Equal(13, (long)result.Json["usage"]!["total_tokens"]!);
        Assert.Equal("response.completed", (string?)result.Json["events"]!.AsArray()[^1]);
        Assert.Equal("/v1/responses", _upstream.LastRequest.Path);
    }

    [Fact]
    public async Task ChatStream_WrongKey_ReportsTheSdkAuthenticationError()
    {
        var result = await NodeScript.RunAsync(NodeScript.ChatStream, BaseUrl, "sk-wrong");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("AuthenticationError", (string?)result.Json["error"]!["name"]);
        Assert.Equal(401, (int)result.Json["error"]!["status"]!);
        Assert.Equal("invalid_api_key", (string?)result.Json["error"]!["code"]);
    }

    [Fact]
    public async Task ChatStream_InBandErrorEvent_ReportsAnApiErrorAfterTheText()
    {
        _upstream.On("chat/completions").Once(FakeResponse.Sse(s => s
            .Data(OpenAiPayloads.ChatChunk("gpt-4o-mini", "partial"))
            .Error("The server had an error while processing your request.")
            .Done()));

        var result = await NodeScript.RunAsync(NodeScript.ChatStream, BaseUrl, Key);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("partial", (string?)result.Json["text"]);
        Assert.Equal("APIError", (string?)result.Json["error"]!["name"]);
    }
}
