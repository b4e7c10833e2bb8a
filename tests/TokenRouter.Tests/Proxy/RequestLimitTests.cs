using System.Text;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Proxy;

/// <summary>
/// Bad input never reaches the provider and costs nothing: bodies over the limit (413, with
/// or without a Content-Length), bodies that are not JSON (400), and known fields of the wrong
/// type (400 naming the field). The router here accepts bodies of at most 1 MiB.
/// </summary>
public sealed class RequestLimitTests : IClassFixture<SmallBodyFixture>
{
    private const string TooLargeMessage = "The request body is larger than this server accepts (1 MB).";
    private readonly SmallBodyFixture _env;

    public RequestLimitTests(SmallBodyFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BodyOverTheLimit_Is413_NeverForwarded_RowWithoutTokens(bool withContentLength)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("413"), 10_000_000);
        using var client = Router.CreateClient(team.Token);
        var body = BodyOfSize(SmallBodyLimit + 1);

        using var response = await client.PostAsync("v1/chat/completions", Content(body, withContentLength));

        await AssertOpenAIErrorAsync(response, 413, TooLargeMessage, "invalid_request_error", null, "request_too_large");
        Assert.Empty(Upstream.Requests);
        Assert.Equal(
            new RowFacts("/v1/chat/completions", "", false, 413, 0, 0, 0, ErrorType: "request_too_large"),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
    }

    [Fact]
    public async Task ChunkedBodyTwiceTheLimit_IsTheSame413_NothingCharged()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("413-chunked"), 10_000_000);
        using var client = Router.CreateClient(team.Token);

        // Twice the limit is as much as the server takes in before it stops reading (limit + 1 MB),
        // so the client hears the answer; past that, the connection is closed under it.
        var body = BodyOfSize(SmallBodyLimit * 2);

        using var response = await client.PostAsync("v1/chat/completions", Content(body, withContentLength: false));

        await AssertOpenAIErrorAsync(response, 413, TooLargeMessage, "invalid_request_error", null, "request_too_large");
        Assert.Empty(Upstream.Requests);
        Assert.Equal(
            new RowFacts("/v1/chat/completions", "", false, 413, 0, 0, 0, ErrorType: "request_too_large"),
            RowFacts.Of(await SingleRowAsync(Router, team.Id)));
        Assert.Equal(0, Router.UsedTokens(team.Id));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BodyOfExactlyTheLimit_IsForwardedWhole(bool withContentLength)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("limit"), 10_000_000);
        using var client = Router.CreateClient(team.Token);
        var body = BodyOfSize(SmallBodyLimit);

        using var response = await client.PostAsync("v1/chat/completions", Content(body, withContentLength));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(body, Upstream.LastRequest.Body);
    }

    [Theory]
    [InlineData("{\"model\":\"gpt-4o-mini\",\"messages\":[}", "The request body is not valid JSON (line 1, byte 36).")]
    [InlineData(
        "{\"model\":\"gpt-4o-mini\",\n\"messages\":[{\"role\":\"user\" \"content\":\"hi\"}]}",
        "The request body is not valid JSON (line 2, byte 28).")]
    [InlineData("{\"model\":\"gpt-4o-mini\"", "The request body is not valid JSON (line 1, byte 23).")]
    [InlineData("", "The request body is not valid JSON (line 1, byte 1).")]
    [InlineData("[{\"model\":\"gpt-4o-mini\"}]", "The request body must be a JSON object.")]
    [InlineData("model=gpt-4o-mini", "The request body is not valid JSON (line 1, byte 1).")]
    public async Task MalformedBody_Is400_NeverForwarded_RowWithoutTokens(string body, string message)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("400"), 10_000);
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", body);

        await AssertOpenAIErrorAsync(response, 400, message, "invalid_request_error", null, null);
        Assert.Empty(Upstream.Requests);
        var row = await SingleRowAsync(Router, team.Id);
        Assert.Equal((400, 0L, "invalid_request_error"), (row.Status, row.TotalTokens, row.ErrorType));
    }

    [Theory]
    [InlineData("\"model\":5", "'model' must be a string.", "model")]
    [InlineData("\"model\":\"gpt-4o-mini\",\"model\":\"GPT-5-nano\"", "'model' appears more than once.", "model")]
    [InlineData("\"model\":\"gpt-4o-mini\",\"stream\":\"yes\"", "'stream' must be a boolean.", "stream")]
    [InlineData("\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":1", "'stream_options' must be an object.", "stream_options")]
    [InlineData("\"model\":\"gpt-4o-mini\",\"max_tokens\":\"ten\"", "'max_tokens' must be an integer from 0 to 100000000.", "max_tokens")]
    [InlineData(
        "\"model\":\"gpt-4o-mini\",\"max_completion_tokens\":-1",
        "'max_completion_tokens' must be an integer from 0 to 100000000.",
        "max_completion_tokens")]
    [InlineData("\"model\":\"gpt-4o-mini\",\"n\":0", "'n' must be an integer from 1 to 128.", "n")]
    [InlineData("\"model\":\"gpt-4o-mini\",\"messages\":\"hi\"", "'messages' must be an array of message objects.", "messages")]
    [InlineData("\"messages\":[]", "You must provide a model parameter.", "model")]
    public async Task WrongFieldType_Is400NamingTheField_NeverForwarded(string members, string message, string param)
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("400-field"), 10_000);
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", "{" + members + "}");

        await AssertOpenAIErrorAsync(response, 400, message, "invalid_request_error", param, null);
        Assert.Empty(Upstream.Requests);
        var row = await SingleRowAsync(Router, team.Id);
        Assert.Equal((400, 0L), (row.Status, row.TotalTokens));
    }

    [Fact]
    public async Task MultipartBodyOverTheLimit_Is413()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("413-multipart"), 10_000);
        using var client = Router.CreateClient(team.Token);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("whisper-1"), "model" },
            { new ByteArrayContent(new byte[SmallBodyLimit]), "file", "big.wav" },
        };

        using var response = await client.PostAsync("v1/audio/transcriptions", form);

        await AssertOpenAIErrorAsync(response, 413, TooLargeMessage, "invalid_request_error", null, "request_too_large");
        Assert.Empty(Upstream.Requests);
    }

    /// <summary>A valid chat body of exactly <paramref name="size"/> bytes.</summary>
    private static byte[] BodyOfSize(long size)
    {
        var head = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"";
        const string tail = "\"}]}";
        var filler = new string('a', (int)size - head.Length - tail.Length);
        var body = Encoding.UTF8.GetBytes(head + filler + tail);
        Assert.Equal(size, body.Length);
        return body;
    }

    private static HttpContent Content(byte[] body, bool withContentLength)
    {
        HttpContent content = withContentLength
            ? new ByteArrayContent(body)
            : new StreamContent(new UnknownLengthStream(body));
        content.Headers.ContentType = new("application/json");
        return content;
    }

    /// <summary>A stream that hides its length, so the client sends the body chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
