using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TokenRouter.Admin;

namespace TokenRouter.Tests.Admin;

/// <summary>The lockout counts wrong passwords in a sliding window and tells the real time left.</summary>
public sealed class LoginThrottleTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly LoginThrottle _throttle;

    public LoginThrottleTests() => _throttle = new LoginThrottle(NullLogger<AdminLog>.Instance, _clock);

    private static DefaultHttpContext From(string address) =>
        new() { Connection = { RemoteIpAddress = IPAddress.Parse(address) } };

    private async Task<(int Status, HttpContext Context, JsonHttpResult<AdminError>? Refusal)> TryAsync(
        bool right, string address = "192.0.2.10")
    {
        var context = From(address);
        var refusal = await _throttle.JudgeAsync(context, right);
        return (refusal?.StatusCode ?? 200, context, refusal);
    }

    private async Task FailAsync(int times, string address = "192.0.2.10")
    {
        for (var i = 0; i < times; i++)
        {
            Assert.Equal(401, (await TryAsync(right: false, address)).Status);
        }
    }

    [Fact]
    public async Task LockedOut_ThreeMinutesIn_RetryAfterAndMessageSayTwelveMinutes()
    {
        await FailAsync(LoginThrottle.AllowedFailures);
        _clock.Advance(TimeSpan.FromMinutes(3));

        var (status, context, refusal) = await TryAsync(right: true);

        Assert.Equal(429, status);
        Assert.Equal("720", context.Response.Headers.RetryAfter.ToString());
        Assert.EndsWith("Try again in 12 minutes.", refusal!.Value!.Error.Message);
    }

    [Fact]
    public async Task LockedOut_SecondsBeforeTheEnd_SaysSeconds_ThenLetsTheRightPasswordIn()
    {
        await FailAsync(LoginThrottle.AllowedFailures);
        _clock.Advance(LoginThrottle.Window - TimeSpan.FromSeconds(40));

        var (status, context, refusal) = await TryAsync(right: true);
        _clock.Advance(TimeSpan.FromSeconds(40));
        var after = await TryAsync(right: true);

        Assert.Equal(429, status);
        Assert.Equal("40", context.Response.Headers.RetryAfter.ToString());
        Assert.EndsWith("Try again in 40 seconds.", refusal!.Value!.Error.Message);
        Assert.Equal(200, after.Status);
    }

    [Fact]
    public async Task FiveAtTheEndOfAWindowAndFiveAtTheStartOfTheNext_OnlyFiveFitInFifteenMinutes()
    {
        await FailAsync(1);
        _clock.Advance(TimeSpan.FromMinutes(14));
        await FailAsync(LoginThrottle.AllowedFailures - 1);

        // Sixteen minutes after the first failure only it has left the window: one more guess, no more.
        _clock.Advance(TimeSpan.FromMinutes(2));
        var statuses = new List<int>();
        for (var i = 0; i < LoginThrottle.AllowedFailures; i++)
        {
            statuses.Add((await TryAsync(right: false)).Status);
        }

        Assert.Equal([401, 429, 429, 429, 429], statuses);
    }

    [Fact]
    public async Task RightPassword_DoesNotClearTheCount()
    {
        await FailAsync(LoginThrottle.AllowedFailures - 1);

        Assert.Equal(200, (await TryAsync(right: true)).Status);
        await FailAsync(1);

        Assert.Equal(429, (await TryAsync(right: true)).Status);
    }

    [Fact]
    public async Task OtherAddress_IsNotLockedOut()
    {
        await FailAsync(LoginThrottle.AllowedFailures);

        Assert.Equal(200, (await TryAsync(right: true, "192.0.2.11")).Status);
    }

    [Theory]
    [InlineData(1, "1 second")]
    [InlineData(59, "59 seconds")]
    [InlineData(60, "1 minute")]
    [InlineData(61, "2 minutes")]
    [InlineData(900, "15 minutes")]
    public void Describe_SaysTheWaitRoundedUp(int seconds, string expected) =>
        Assert.Equal(expected, AdminErrors.Describe(TimeSpan.FromSeconds(seconds)));
}
