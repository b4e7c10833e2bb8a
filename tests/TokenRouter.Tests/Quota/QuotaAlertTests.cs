using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using TokenRouter.Storage;
using TokenRouter.Tests.Config;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Quota;

/// <summary>
/// Quota alerts are announced once per threshold and period: the marks survive a restart, and
/// a reset or a raised quota lets a threshold be announced again.
/// </summary>
public sealed class QuotaAlertTests : IAsyncLifetime
{
    private const string AlertPath = "quota-alerts";

    private readonly TempFolder _folder = new();
    private FakeUpstream _hooks = null!;

    public async Task InitializeAsync()
    {
        _hooks = await FakeUpstream.StartAsync();
        _hooks.RequiredApiKey = null; // the webhook carries no provider key
        _hooks.On(AlertPath).Always(FakeResponse.Json("{}"));
    }

    public async Task DisposeAsync()
    {
        await _hooks.DisposeAsync();
        _folder.Dispose();
    }

    /// <summary>A router that alerts the hooks, on the test's own database file so that it can be restarted.</summary>
    private Task<RouterFixture> StartRouterAsync(TimeProvider? clock = null) => RouterFixture.StartAsync(
        s => s with
        {
            AlertWebhookUrl = new Uri(_hooks.BaseUrl, AlertPath),
            DatabasePath = _folder.File("books.db"),
        },
        clock);

    /// <summary>One chat request that the provider reports as <paramref name="tokens"/> tokens.</summary>
    private static async Task SpendAsync(RouterFixture env, string token, long tokens)
    {
        env.Upstream.Reset();
        env.Upstream.On("chat/completions").Always(FakeResponse.Default.WithUsage(0, tokens));
        using var client = env.Router.CreateClient(token);
        using var response = await PostAsync(client, "v1/chat/completions", ChatBody("hi", extra: ",\"max_tokens\":1"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private List<int> Thresholds() =>
        [.. _hooks.RequestsTo(AlertPath).Select(r => (int)JsonNode.Parse(r.BodyText)!["threshold_percent"]!)];

    /// <summary>Waits until the books hold this mark for the team: it is stored after the webhook was tried.</summary>
    private static Task WaitForStoredMarkAsync(RouterFixture env, long teamId, int percent) =>
        Eventually.UntilAsync(
            () => env.Router.Books.ListAlertMarksAsync(CancellationToken.None).Result
                .Any(m => m.TeamId == teamId && m.Percent == percent),
            $"the {percent} % alert mark of team {teamId} in the books");

    [Fact]
    public async Task OneRequest_CrossingEightyAndHundred_AnnouncesBoth_EightyFirst()
    {
        await using var env = await StartRouterAsync();
        var team = await env.Router.CreateTeamAsync(UniqueName("jump"), 1_000);

        await SpendAsync(env, team.Token, 1_200);
        await _hooks.WaitForRequestCountAsync(2);
        await WaitForStoredMarkAsync(env, team.Id, 100);

        Assert.Equal([80, 100], Thresholds());
        Assert.All(_hooks.RequestsTo(AlertPath), r => Assert.Equal(1_200, (long)JsonNode.Parse(r.BodyText)!["used"]!));
    }

    [Fact]
    public async Task Restart_BetweenThresholds_NeitherRepeatsNorForgetsTheAlert()
    {
        TestTeam team;
        await using (var before = await StartRouterAsync())
        {
            team = await before.Router.CreateTeamAsync(UniqueName("restart"), 1_000);
            await SpendAsync(before, team.Token, 850);
            await _hooks.WaitForRequestCountAsync(1);
            await WaitForStoredMarkAsync(before, team.Id, 80);
        }

        await using var after = await StartRouterAsync();
        await SpendAsync(after, team.Token, 50); // 90 %: already announced before the restart
        await SpendAsync(after, team.Token, 100); // 100 %: not announced yet
        await _hooks.WaitForRequestCountAsync(2);
        await WaitForStoredMarkAsync(after, team.Id, 100);

        Assert.Equal([80, 100], Thresholds());
        var webhook = _hooks.RequestsTo(AlertPath)[0];
        Assert.Equal(webhook.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), webhook.Headers["Content-Length"]);
        Assert.False(webhook.Headers.ContainsKey("Transfer-Encoding"));
        Assert.StartsWith("application/json", webhook.Headers["Content-Type"].ToString());
    }

    [Fact]
    public async Task AdminReset_ClearsTheMarks_EvenAcrossARestart()
    {
        TestTeam team;
        await using (var before = await StartRouterAsync())
        {
            team = await before.Router.CreateTeamAsync(UniqueName("reset"), 1_000);
            await SpendAsync(before, team.Token, 1_000);
            await WaitForStoredMarkAsync(before, team.Id, 100);
            using var admin = before.Router.CreateAdminClient();
            using var reset = await admin.PostAsync($"admin/api/teams/{team.Id}/reset", null);
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
            Assert.Empty(await before.Router.Books.ListAlertMarksAsync(CancellationToken.None));
        }

        await using var after = await StartRouterAsync();
        await SpendAsync(after, team.Token, 800);
        await _hooks.WaitForRequestCountAsync(3);
        await WaitForStoredMarkAsync(after, team.Id, 80);

        Assert.Equal([80, 100, 80], Thresholds());
    }

    [Fact]
    public async Task QuotaRaisedBelowAThreshold_LowersTheMark_SoCrossingItAgainIsAnnounced()
    {
        await using var env = await StartRouterAsync();
        var team = await env.Router.CreateTeamAsync(UniqueName("raise"), 1_000);
        await SpendAsync(env, team.Token, 1_000);
        await WaitForStoredMarkAsync(env, team.Id, 100);

        using var admin = env.Router.CreateAdminClient();
        using var raised = await admin.PatchAsync($"admin/api/teams/{team.Id}", Json("""{"quota":1200}"""));
        Assert.Equal(HttpStatusCode.OK, raised.StatusCode);
        await WaitForStoredMarkAsync(env, team.Id, 80); // 1,000 of 1,200 is 83 %: the 100 % mark goes

        await SpendAsync(env, team.Token, 50); // 87 %: 80 % was already announced
        await SpendAsync(env, team.Token, 150); // 100 % again
        await _hooks.WaitForRequestCountAsync(3);
        await WaitForStoredMarkAsync(env, team.Id, 100);

        Assert.Equal([80, 100, 100], Thresholds());
        Assert.Equal(1_200, (long)JsonNode.Parse(_hooks.RequestsTo(AlertPath)[2].BodyText)!["quota"]!);
    }

    [Fact]
    public async Task PeriodBoundary_ClearsTheMarks_SoTheNewPeriodIsAnnouncedAgain()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 23, 0, 0, TimeSpan.Zero));
        await using var env = await StartRouterAsync(clock);
        var team = await env.Router.CreateTeamAsync(UniqueName("daily"), 1_000);
        using var admin = env.Router.CreateAdminClient();
        using var daily = await admin.PatchAsync($"admin/api/teams/{team.Id}", Json("""{"period":"daily"}"""));
        Assert.Equal(HttpStatusCode.OK, daily.StatusCode);
        await SpendAsync(env, team.Token, 850);
        await WaitForStoredMarkAsync(env, team.Id, 80);

        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await SpendAsync(env, team.Token, 100); // rolls the period over first: 100 of 1,000
        Assert.Empty(await env.Router.Books.ListAlertMarksAsync(CancellationToken.None));
        await SpendAsync(env, team.Token, 700); // 80 % of the new day
        await _hooks.WaitForRequestCountAsync(2);
        await WaitForStoredMarkAsync(env, team.Id, 80);

        Assert.Equal([80, 80], Thresholds());
        var alerts = _hooks.RequestsTo(AlertPath).Select(r => JsonNode.Parse(r.BodyText)!).ToList();
        Assert.Equal([850L, 800L], alerts.Select(a => (long)a["used"]!));
    }
}
