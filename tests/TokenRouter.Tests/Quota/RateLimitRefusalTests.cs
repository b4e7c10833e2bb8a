using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using TokenRouter.Storage;
using TokenRouter.Tests.Infrastructure;
using static TokenRouter.Tests.Proxy.ProxyTestKit;

namespace TokenRouter.Tests.Quota;

/// <summary>Each rate-limit refusal names the limit it hit, with that limit's headers, and says when waiting helps.</summary>
public sealed class RateLimitRefusalTests : IAsyncLifetime
{
    private RouterFixture _env = null!;

    public async Task InitializeAsync()
    {
        _env = await RouterFixture.StartAsync();
        _env.Upstream.On("chat/completions").Always(FakeResponse.Default.WithUsage(5, 5));
    }

    public async Task DisposeAsync() => await _env.DisposeAsync();

    /// <summary>A team with these limits (a JSON fragment such as <c>"rpm":2</c>) and a client with its token.</summary>
    private async Task<HttpClient> TeamWithAsync(string limits)
    {
        var team = await _env.Router.CreateTeamAsync(UniqueName("rate"), 1_000_000);
        using var admin = _env.Router.CreateAdminClient();
        using var patched = await admin.PatchAsync($"admin/api/teams/{team.Id}", Json("{" + limits + "}"));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        return _env.Router.CreateClient(team.Token);
    }

    private static async Task<JsonNode> ErrorOf(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;

    [Fact]
    public async Task RequestsPerMinute_Refusal_NamesTheRequestLimit_AndOnlyItsResetHeader()
    {
        using var client = await TeamWithAsync("\"rpm\":1,\"tpm\":100000");

        using var one = await PostAsync(client, "v1/chat/completions", ChatBody("hi", extra: ",\"max_tokens\":10"));
        using var two = await PostAsync(client, "v1/chat/completions", ChatBody("hi", extra: ",\"max_tokens\":10"));

        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, two.StatusCode);
        var error = await ErrorOf(two);
        Assert.Equal(("rate_limit_exceeded", "requests"), ((string)error["code"]!, (string)error["type"]!));
        Assert.StartsWith("Rate limit reached for requests per minute (RPM): your team may send 1 requests per minute.",
            (string)error["message"]!);
        Assert.True(two.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal($"{two.Headers.RetryAfter!.Delta!.Value.TotalSeconds}s", two.Headers.GetValues("x-ratelimit-reset-requests").Single());
        Assert.False(two.Headers.Contains("x-ratelimit-reset-tokens"));
        Assert.Equal("100000", two.Headers.GetValues("x-ratelimit-limit-tokens").Single());
    }

    [Fact]
    public async Task RequestsPerMinute_RetryAfter_IsWhenTheWindowFreesUp_AndARetryThenIsAdmitted()
    {
        // One second into a five-second slice, so the wait is not a whole number of slices.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 1, TimeSpan.Zero));
        await using var env = await RouterFixture.StartAsync(clock: clock);
        env.Upstream.On("chat/completions").Always(FakeResponse.Default.WithUsage(5, 5));
        var team = await env.Router.CreateTeamAsync(UniqueName("rate"), 1_000_000);
        using var admin = env.Router.CreateAdminClient();
        (await admin.PatchAsync($"admin/api/teams/{team.Id}", Json("""{"rpm":2}"""))).EnsureSuccessStatusCode();
        using var client = env.Router.CreateClient(team.Token);
        Task<HttpResponseMessage> Send() => PostAsync(client, "v1/chat/completions", ChatBody("hi", extra: ",\"max_tokens\":10"));

        using var one = await Send();
        using var two = await Send();
        clock.Advance(TimeSpan.FromSeconds(20));
        using var refused = await Send();
        clock.Advance(TimeSpan.FromSeconds(38));
        using var tooEarly = await Send();
        clock.Advance(TimeSpan.FromSeconds(1));
        using var onTime = await Send();

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (one.StatusCode, two.StatusCode));
        Assert.Equal(("2", "1"), (one.Headers.GetValues("x-ratelimit-limit-requests").Single(),
            one.Headers.GetValues("x-ratelimit-remaining-requests").Single()));
        Assert.Equal("0", two.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(39), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("39s", refused.Headers.GetValues("x-ratelimit-reset-requests").Single());
        Assert.Equal("0", refused.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.EndsWith("Try again in 39 s.", (string)(await ErrorOf(refused))["message"]!);
        Assert.Equal(HttpStatusCode.TooManyRequests, tooEarly.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), tooEarly.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, onTime.StatusCode);
    }

    [Fact]
    public async Task TokensPerMinute_Refusal_NamesTheTokenLimit_WithTokenHeadersAndRetryAfter()
    {
        using var client = await TeamWithAsync("\"tpm\":100");
        var worstCase = PromptEstimate(1, "hi") + 40;

        using var one = await PostAsync(client, "v1/chat/completions", ChatBody("hi", extra: ",\"max_tokens\":40"));
        using var two = await PostAsync(client, "v1/chat/completions", ChatBody("hi", extra: ",\"max_tokens\":40"));
        using var three = await PostAsync(client, "v1/chat/completions", ChatBody("hi", extra: ",\"max_tokens\":40"));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (one.StatusCode, two.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, three.StatusCode);
        var error = await ErrorOf(three);
        Assert.Equal(("rate_limit_exceeded", "tokens"), ((string)error["code"]!, (string)error["type"]!));

        // What is left depends on the limiter's five-second slices, so it is read from the message and
        // checked against the header.
        var message = System.Text.RegularExpressions.Regex.Match((string)error["message"]!,
            $"^Rate limit reached for tokens per minute \\(TPM\\): this request may use up to {worstCase} tokens, " +
            "and your team has (\\d+) of its 100 tokens per minute left\\. Try again in \\d+ s\\.$");
        Assert.True(message.Success, (string)error["message"]!);
        Assert.InRange(long.Parse(message.Groups[1].Value), 0, worstCase - 1);
        Assert.True(three.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("100", three.Headers.GetValues("x-ratelimit-limit-tokens").Single());
        Assert.Equal(message.Groups[1].Value, three.Headers.GetValues("x-ratelimit-remaining-tokens").Single());
        Assert.Equal($"{three.Headers.RetryAfter!.Delta!.Value.TotalSeconds}s", three.Headers.GetValues("x-ratelimit-reset-tokens").Single());
        Assert.False(three.Headers.Contains("x-ratelimit-limit-requests"));
        Assert.Equal(2, _env.Upstream.RequestsTo("chat/completions").Count);
    }

    [Fact]
    public async Task RequestOverTheWholeTokenLimit_IsRefusedAsNeverFitting_WithoutRetryAfter()
    {
        using var client = await TeamWithAsync("\"tpm\":100");

        using var stated = await PostAsync(client, "v1/chat/completions", ChatBody("hi", extra: ",\"max_tokens\":500"));
        using var unstated = await PostAsync(client, "v1/chat/completions", ChatBody("hi"));

        foreach (var response in new[] { stated, unstated })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Null(response.Headers.RetryAfter);
            Assert.False(response.Headers.Contains("x-ratelimit-reset-tokens"));
            Assert.Equal("100", response.Headers.GetValues("x-ratelimit-limit-tokens").Single());
        }

        var statedMessage = (string)(await ErrorOf(stated))["message"]!;
        Assert.Contains("more than your team's tokens-per-minute (TPM) limit of 100", statedMessage);
        Assert.Contains("can never be admitted and retrying will not help. Lower max_tokens or shorten the prompt.", statedMessage);
        Assert.Contains("It states no output limit, so 4096 tokens are counted for its output",
            (string)(await ErrorOf(unstated))["message"]!);
        Assert.Empty(_env.Upstream.RequestsTo("chat/completions"));

        // The refusals spent nothing: a request that fits still goes through.
        using var fits = await PostAsync(client, "v1/chat/completions", ChatBody("hi", extra: ",\"max_tokens\":10"));
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
    }

    [Fact]
    public async Task TokenLimitAboveIntRange_FromAnOlderVersion_RefusesAHugeRequestWith429_Not500()
    {
        // The admin API now refuses such a limit, but a database may still hold one.
        var team = await _env.Router.CreateTeamAsync(UniqueName("rate"), 1_000_000);
        var stored = await _env.Router.Books.UpdateTeamAsync(
            team.Id, new TeamChanges { TokensPerMinute = 5_000_000_000 }, CancellationToken.None);
        _env.Router.Teams.ApplyPolicy(stored!);
        using var client = _env.Router.CreateClient(team.Token);

        using var huge = await PostAsync(client, "v1/chat/completions", ChatBody("hi", extra: ",\"max_tokens\":100000000,\"n\":30"));
        using var small = await PostAsync(client, "v1/chat/completions", ChatBody("hi", extra: ",\"max_tokens\":10"));

        Assert.Equal(HttpStatusCode.TooManyRequests, huge.StatusCode);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal("5000000000", small.Headers.GetValues("x-ratelimit-limit-tokens").Single());
    }
}
