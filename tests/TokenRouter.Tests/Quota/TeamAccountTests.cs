using TokenRouter.Quota;
using TokenRouter.Storage;

namespace TokenRouter.Tests.Quota;

public sealed class TeamAccountTests
{
    private static TeamAccount Account(long quota, long used) => new(new Team
    {
        Id = 1,
        Name = "t",
        TokenHash = "h",
        TokenPrefix = "sk-tr-x",
        Quota = quota,
        Used = used,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    }, TimeProvider.System);

    [Fact]
    public void TryReserve_StatedLimitThatDoesNotFit_IsRefused()
    {
        var account = Account(quota: 1000, used: 900);

        var first = account.TryReserve(promptTokens: 10, maxOutputTokens: 50, defaultAllowance: 4096);
        var second = account.TryReserve(promptTokens: 10, maxOutputTokens: 50, defaultAllowance: 4096);

        Assert.NotNull(first.Reservation);
        Assert.Null(second.Reservation);
        Assert.Contains("40", second.Refusal!.Message);
    }

    [Fact]
    public void TryReserve_NoStatedLimit_TakesWhatRemainsWhenThePromptFits()
    {
        var account = Account(quota: 10, used: 0);

        var decision = account.TryReserve(promptTokens: 7, maxOutputTokens: null, defaultAllowance: 4096);

        Assert.Equal(10, decision.Reservation!.Amount);
        Assert.Equal(10, account.Reserved);
    }

    [Fact]
    public void TryReserve_ExhaustedTeam_IsRefusedWithUsageInTheMessage()
    {
        var account = Account(quota: 10, used: 50);

        var decision = account.TryReserve(promptTokens: 1, maxOutputTokens: 1, defaultAllowance: 4096);

        Assert.Null(decision.Reservation);
        Assert.Contains("used 50 of its 10", decision.Refusal!.Message);
    }

    [Fact]
    public void Settle_ReplacesReservationWithRealUsage_Once()
    {
        var account = Account(quota: 100, used: 0);
        var reservation = account.TryReserve(5, 20, 4096).Reservation!;

        reservation.Settle(12);
        reservation.Settle(12);

        Assert.Equal(0, account.Reserved);
        Assert.Equal(12, account.Team.Used);
    }

    [Fact]
    public void NextResetAt_MidnightThatHappensTwice_IsTheFirstOne_AsTheAdminApiShows()
    {
        // Clocks go back from 01:00 to 00:00 on 1 November 2026, so that midnight happens twice:
        // at 23:00 UTC the day before (summer time, UTC+1) and again at 00:00 UTC.
        var fallBack = TimeZoneInfo.TransitionTime.CreateFixedDateRule(new DateTime(1, 1, 1, 1, 0, 0), 11, 1);
        var springForward = TimeZoneInfo.TransitionTime.CreateFixedDateRule(new DateTime(1, 1, 1, 2, 0, 0), 3, 29);
        var rule = TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(
            DateTime.MinValue.Date, DateTime.MaxValue.Date, TimeSpan.FromHours(1), springForward, fallBack);
        var zone = TimeZoneInfo.CreateCustomTimeZone("Twice-Midnight", TimeSpan.Zero, "Twice Midnight", "Standard", "Summer", [rule]);
        var startedAt = new DateTimeOffset(2026, 10, 31, 12, 0, 0, TimeSpan.Zero);
        var team = Account(quota: 10, used: 0).Team with { Period = QuotaPeriod.Daily, PeriodStartedAt = startedAt };
        var account = new TeamAccount(team, TimeProvider.System);

        var next = account.NextResetAt(zone);

        Assert.Equal(new DateTimeOffset(2026, 10, 31, 23, 0, 0, TimeSpan.Zero), next);
        Assert.Equal(QuotaPeriods.NextBoundary(QuotaPeriod.Daily, startedAt, zone), next);
    }
}
