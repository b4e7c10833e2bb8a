using System.Text.Json.Nodes;
using TokenRouter.Storage;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Proxy;

/// <summary>
/// A team member cannot fill the disk through the request log: text that clients or the provider
/// choose is kept to <see cref="LogText.MaxLength"/> characters, and a model name longer than that
/// is refused without being echoed.
/// </summary>
public sealed class StoredTextLimitTests : IClassFixture<ProxyFixture>
{
    private readonly ProxyFixture _env;

    public StoredTextLimitTests(ProxyFixture env)
    {
        _env = env;
        env.ResetUpstream();
    }

    private RouterServer Router => _env.Router;

    private FakeUpstream Upstream => _env.Upstream;

    [Fact]
    public async Task ModelLongerThanTheLimit_Is400QuotingAShortPrefix_NeverForwarded_RowCut()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("long-model"), 10_000);
        using var client = Router.CreateClient(team.Token);
        var model = "gpt-" + new string('x', 200_000);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody("hi", model));

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(400, (int)response.StatusCode);
        Assert.True(text.Length < 1_000, $"The error echoes {text.Length} characters.");
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Equal("model", (string?)error["param"]);
        Assert.StartsWith("'model' must be at most 256 characters; this one starts with 'gpt-xxxx", (string?)error["message"]);
        Assert.Empty(Upstream.Requests);
        Assert.Equal(model[..LogText.MaxLength], (await SingleRowAsync(Router, team.Id)).Model);
    }

    [Fact]
    public async Task ModelOfExactlyTheLimit_IsJudgedAsAModel()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("limit-model"), 10_000);
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody("hi", new string('m', LogText.MaxLength)));

        Assert.Equal(404, (int)response.StatusCode);
    }

    [Fact]
    public async Task ModelLookupWithALongId_Is400_RowCut()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("long-id"), 10_000);
        using var client = Router.CreateClient(team.Token);

        using var response = await client.GetAsync("v1/models/" + new string('y', 4_000));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.True((await response.Content.ReadAsStringAsync()).Length < 1_000);
        Assert.Equal(LogText.MaxLength, (await SingleRowAsync(Router, team.Id)).Model.Length);
    }

    [Fact]
    public async Task LongUserField_IsForwardedWhole_StoredCut()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("long-user"), 100_000);
        using var client = Router.CreateClient(team.Token);
        var user = new string('u', 1_000_000);
        var body = ChatBody("hi", extra: $",\"user\":\"{user}\"");

        using var response = await PostAsync(client, "v1/chat/completions", body);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(body, Upstream.LastRequest.BodyText);
        Assert.Equal(user[..LogText.MaxLength], (await SingleRowAsync(Router, team.Id)).EndUser);
    }

    [Fact]
    public async Task LongUpstreamRequestId_IsStoredCut()
    {
        var team = await Router.CreateTeamDirectAsync(UniqueName("long-upstream-id"), 100_000);
        var providerId = "req_" + new string('p', 20_000);
        Upstream.On("chat/completions").Once(FakeResponse.Default.WithHeader("x-request-id", providerId));
        using var client = Router.CreateClient(team.Token);

        using var response = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(providerId[..LogText.MaxLength], (await SingleRowAsync(Router, team.Id)).UpstreamRequestId);
    }

    [Theory]
    [InlineData(255, 255)]
    [InlineData(256, 256)]
    [InlineData(257, 256)]
    public void Cap_KeepsAtMostTheLimit(int length, int kept) =>
        Assert.Equal(kept, LogText.Cap(new string('a', length)).Length);

    [Fact]
    public void Cap_NeverEndsOnHalfASurrogatePair()
    {
        var text = new string('a', LogText.MaxLength - 1) + "\U0001F600" + "tail";

        var capped = LogText.Cap(text);

        Assert.Equal(LogText.MaxLength - 1, capped.Length);
        Assert.False(char.IsHighSurrogate(capped[^1]));
    }
}
