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
    });

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
}
