using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using TokenRouter.Proxy;
using TokenRouter.Storage;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Quota;

/// <summary>The quota holds under parallel load, periods roll over at the boundary, and rate limits refuse with headers.</summary>
public sealed class QuotaPolicyTests
{
    [Fact]
    public async Task C02_SixteenParallelRequests_AtMostTwoAdmitted_AndUsedStaysWithinQuota()
    {
        await using var env = await RouterFixture.StartAsync();
        var team = await env.Router.CreateTeamDirectAsync(UniqueName("c02"), 1_000);
        await env.Router.SeedUsageAsync(team.Id, 900);
        var release = new TaskCompletionSource();
        env.Upstream.On("chat/completions").Always(FakeResponse.Default.WithUsage(10, 50).HeldUntil(release.Task));
        using var client = env.Router.CreateClient(team.Token);

        var requests = Enumerable.Range(0, 16)
            .Select(_ => PostAsync(client, "v1/chat/completions", ChatBody("hi", extra: ",\"max_tokens\":50")))
            .ToList();
        var refused = 0;
        while (refused < 14 && requests.Any(r => !r.IsCompleted))
        {
            await Task.WhenAny(requests.Where(r => !r.IsCompleted).Append(Task.Delay(3000)));
            refused = requests.Count(r => r.IsCompletedSuccessfully && r.Result.StatusCode == HttpStatusCode.TooManyRequests);
            if (requests.Count(r => r.IsCompleted) >= 14)
            {
                break;
            }
        }

        release.SetResult();
        var responses = await Task.WhenAll(requests);

        var admitted = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.InRange(admitted, 1, 2);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
        var rows = await env.Router.LogRowsAsync(team.Id);
        var used = env.Router.UsedTokens(team.Id);
        Assert.True(used <= 1_000, $"used {used} is over the quota");
        Assert.Equal(rows.Sum(r => r.TotalTokens), used); // the seeded 900 is a row too
        Assert.Equal(admitted, env.Upstream.RequestsTo("chat/completions").Count);
    }

    [Fact]
    public async Task SixtyFourParallelRequests_AgainstANearlyFullQuota_NeverPassIt()
    {
        await using var env = await RouterFixture.StartAsync();
        var team = await env.Router.CreateTeamDirectAsync(UniqueName("p64"), 10_000);
        await env.Router.SeedUsageAsync(team.Id, 9_000);

        // The provider counts the prompt as the router estimates it; the guarantee rests on that
        // estimate, so the router's tokenizer must be loaded, not still on its byte-count stand-in.
        await env.Router.Services.GetRequiredService<TokenEstimator>().WarmUpAsync();
        var prompt = PromptEstimate(1, "hi");
        env.Upstream.On("chat/completions").Always(
            FakeResponse.Default.WithUsage(prompt, 20).WithDelay(TimeSpan.FromMilliseconds(200)));
        using var client = env.Router.CreateClient(team.Token);

        var responses = await Task.WhenAll(Enumerable.Range(0, 64)
            .Select(_ => PostAsync(client, "v1/chat/completions", ChatBody("hi", extra: ",\"max_tokens\":20"))));

        var admitted = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.True(admitted is > 0 and < 64, $"{admitted} admitted");
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
        var used = env.Router.UsedTokens(team.Id);
        Assert.True(used <= 10_000, $"used {used} is over the quota");
        Assert.Equal(9_000 + (admitted * (prompt + 20)), used);
        Assert.Equal(used, (await env.Router.GetStoredTeamAsync(team.Id))!.Used);
    }

    [Fact]
    public async Task DailyPeriod_AtMidnight_UsedGoesBackToZero_AndTheResetIsRecorded()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 23, 0, 0, TimeSpan.Zero));
        await using var env = await RouterFixture.StartAsync(clock: clock);
        var team = await env.Router.CreateTeamAsync(UniqueName("daily"), 100);
        using var admin = env.Router.CreateAdminClient();
        using var patched = await admin.PatchAsync($"admin/api/teams/{team.Id}", Json("""{"period":"daily"}"""));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var nextReset = DateTimeOffset.Parse((string)JsonNode.Parse(await patched.Content.ReadAsStringAsync())!["next_reset_at"]!);
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero), nextReset);
        env.Upstream.On("chat/completions").Always(FakeResponse.Default.WithUsage(40, 60));
        using var client = env.Router.CreateClient(team.Token);

        using var first = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));
        using var exhausted = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));
        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        using var nextDay = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, exhausted.StatusCode);
        Assert.Contains("renews at 2026-12-04 00:00 UTC", await exhausted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, nextDay.StatusCode);
        Assert.Equal(100, env.Router.UsedTokens(team.Id));
        var resets = await env.Router.Books.ListResetsAsync(team.Id, 10, CancellationToken.None);
        var reset = Assert.Single(resets);
        Assert.Equal(("period", "daily", 100L), (reset.Kind, reset.By, reset.UsedBefore));
    }

    [Fact]
    public async Task RequestsPerMinute_OverTheLimit_Is429WithRetryAfterAndRateLimitHeaders()
    {
        await using var env = await RouterFixture.StartAsync();
        var team = await env.Router.CreateTeamAsync(UniqueName("rpm"), 1_000_000);
        using var admin = env.Router.CreateAdminClient();
        using var patched = await admin.PatchAsync($"admin/api/teams/{team.Id}", Json("""{"rpm":2}"""));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        using var client = env.Router.CreateClient(team.Token);

        using var one = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));
        using var two = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));
        using var three = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (one.StatusCode, two.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, three.StatusCode);
        var error = JsonNode.Parse(await three.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("rate_limit_exceeded", (string)error["code"]!);
        Assert.Contains("2 requests per minute", (string)error["message"]!);
        Assert.True(three.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("2", three.Headers.GetValues("x-ratelimit-limit-requests").Single());
        Assert.Equal(2, env.Upstream.RequestsTo("chat/completions").Count);
    }

    [Fact]
    public async Task DisabledOrExpiredTeam_Gets401SayingSo()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        await using var env = await RouterFixture.StartAsync(clock: clock);
        var disabled = await env.Router.CreateTeamAsync(UniqueName("off"), 1_000);
        var expiring = await env.Router.CreateTeamAsync(UniqueName("exp"), 1_000);
        using var admin = env.Router.CreateAdminClient();
        (await admin.PatchAsync($"admin/api/teams/{disabled.Id}", Json("""{"enabled":false}"""))).EnsureSuccessStatusCode();
        (await admin.PatchAsync($"admin/api/teams/{expiring.Id}", Json("""{"expires_at":"2026-12-03T13:00:00Z"}"""))).EnsureSuccessStatusCode();
        clock.Advance(TimeSpan.FromHours(2));

        using var off = await PostAsync(env.Router.CreateClient(disabled.Token), "v1/chat/completions", ChatBody("hi"));
        using var expired = await PostAsync(env.Router.CreateClient(expiring.Token), "v1/chat/completions", ChatBody("hi"));

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (off.StatusCode, expired.StatusCode));
        Assert.Contains("is disabled", await off.Content.ReadAsStringAsync());
        Assert.Contains("expired on 2026-12-03 13:00 UTC", await expired.Content.ReadAsStringAsync());
        Assert.Empty(env.Upstream.RequestsTo("chat/completions"));
    }

    [Fact]
    public async Task Webhook_CrossingEightyAndHundredPercent_IsToldOnceEach()
    {
        await using var env = await RouterFixture.StartAsync();
        var hooks = env.Upstream;
        hooks.RequiredApiKey = null; // the webhook carries no provider key
        hooks.On("quota-alerts").Always(FakeResponse.Json("{}"));
        await using var alerting = await RouterFixture.StartAsync(
            s => s with { AlertWebhookUrl = new Uri(hooks.BaseUrl, "quota-alerts") });
        var team = await alerting.Router.CreateTeamDirectAsync(UniqueName("alert"), 100);
        alerting.Upstream.On("chat/completions").Always(FakeResponse.Default.WithUsage(40, 5));
        using var client = alerting.Router.CreateClient(team.Token);

        for (var i = 0; i < 3; i++)
        {
            using var _ = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));
        }

        await hooks.WaitForRequestCountAsync(2, TimeSpan.FromSeconds(15));
        await Task.Delay(500);
        var alerts = hooks.RequestsTo("quota-alerts").Select(r => JsonNode.Parse(r.BodyText)!).ToList();
        Assert.Equal([80, 100], alerts.Select(a => (int)a["threshold_percent"]!));
        Assert.All(alerts, a => Assert.Equal(team.Id, (long)a["team_id"]!));
        Assert.Equal(135, (long)alerts[1]["used"]!);
    }
}

