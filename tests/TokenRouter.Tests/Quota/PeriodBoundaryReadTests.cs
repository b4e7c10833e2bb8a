using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Quota;

/// <summary>
/// Right after a period boundary every read shows the new period, without waiting for the
/// background sweep, and the new period starts at the boundary itself.
/// </summary>
public sealed class PeriodBoundaryReadTests
{
    private static readonly DateTimeOffset Midnight = new(2026, 12, 4, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task JustAfterMidnight_ReadsShowTheNewPeriod_AndItStartsAtTheBoundary()
    {
        // The sweep ticks every 15 s from the start, at 23:59:52 and 00:00:07: never at 00:00:01.
        var clock = new FakeTimeProvider(Midnight - TimeSpan.FromMinutes(59) - TimeSpan.FromSeconds(53));
        await using var env = await RouterFixture.StartAsync(clock: clock);
        var team = await env.Router.CreateTeamAsync(UniqueName("daily"), 100);
        using var admin = env.Router.CreateAdminClient();
        (await admin.PatchAsync($"admin/api/teams/{team.Id}", Json("""{"period":"daily"}"""))).EnsureSuccessStatusCode();
        env.Upstream.On("chat/completions").Always(FakeResponse.Default.WithUsage(40, 60));
        using var client = env.Router.CreateClient(team.Token);
        using var spent = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));
        Assert.Equal(HttpStatusCode.OK, spent.StatusCode);

        clock.Advance(Midnight - TimeSpan.FromSeconds(1) - clock.GetUtcNow()); // the sweep runs, nothing is due
        await Task.Delay(300);
        clock.Advance(TimeSpan.FromSeconds(2));

        var listed = (await admin.GetFromJsonAsync<JsonNode>("admin/api/teams"))!["data"]!.AsArray()
            .Single(t => (long)t!["id"]! == team.Id)!;
        var shown = (await admin.GetFromJsonAsync<JsonNode>($"admin/api/teams/{team.Id}"))!;
        var usage = (await client.GetFromJsonAsync<JsonNode>("v1/usage"))!;
        var billing = (await client.GetFromJsonAsync<JsonNode>("v1/dashboard/billing/usage"))!;

        foreach (var view in new[] { listed, shown, usage })
        {
            Assert.Equal(0, (long)view["used"]!);
            Assert.Equal(Midnight.AddDays(1), DateTimeOffset.Parse((string)view["next_reset_at"]!));
        }

        Assert.Equal(0, (long)billing["total_usage"]!);
        Assert.Equal(Midnight, DateTimeOffset.Parse((string)usage["period_started_at"]!));
        Assert.Equal(Midnight, (await env.Router.GetStoredTeamAsync(team.Id))!.PeriodStartedAt);
        var reset = Assert.Single(await env.Router.Books.ListResetsAsync(team.Id, 10, CancellationToken.None));
        Assert.Equal(("period", 100L), (reset.Kind, reset.UsedBefore));
    }
}
