using TokenRouter.Quota;
using TokenRouter.Storage;

namespace TokenRouter.Tests.Quota;

public sealed class QuotaPeriodsTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly TimeZoneInfo Santiago = TimeZoneInfo.FindSystemTimeZoneById("America/Santiago");

    private static DateTimeOffset Utc(int y, int mo, int d, int h = 0, int mi = 0) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    [Fact]
    public void NextBoundary_None_IsNull()
    {
        Assert.Null(QuotaPeriods.NextBoundary(QuotaPeriod.None, Utc(2026, 5, 5), TimeZoneInfo.Utc));
    }

    [Theory]
    [InlineData(2026, 5, 5, 13, 2026, 5, 6)]
    [InlineData(2026, 5, 5, 0, 2026, 5, 6)]
    [InlineData(2026, 12, 31, 23, 2027, 1, 1)]
    public void NextBoundary_DailyUtc_IsNextMidnight(int y, int m, int d, int h, int ey, int em, int ed)
    {
        Assert.Equal(Utc(ey, em, ed), QuotaPeriods.NextBoundary(QuotaPeriod.Daily, Utc(y, m, d, h), TimeZoneInfo.Utc));
    }

    [Theory]
    [InlineData(2026, 5, 4, 0, 2026, 5, 11)] // a Monday at midnight: the next Monday
    [InlineData(2026, 5, 6, 9, 2026, 5, 11)] // a Wednesday
    [InlineData(2026, 5, 10, 23, 2026, 5, 11)] // a Sunday night
    public void NextBoundary_WeeklyUtc_IsNextMonday(int y, int m, int d, int h, int ey, int em, int ed)
    {
        Assert.Equal(Utc(ey, em, ed), QuotaPeriods.NextBoundary(QuotaPeriod.Weekly, Utc(y, m, d, h), TimeZoneInfo.Utc));
    }

    [Theory]
    [InlineData(2026, 1, 31, 2026, 2, 1)]
    [InlineData(2026, 2, 1, 2026, 3, 1)]
    [InlineData(2026, 12, 15, 2027, 1, 1)]
    public void NextBoundary_MonthlyUtc_IsFirstOfNextMonth(int y, int m, int d, int ey, int em, int ed)
    {
        Assert.Equal(Utc(ey, em, ed), QuotaPeriods.NextBoundary(QuotaPeriod.Monthly, Utc(y, m, d, 10), TimeZoneInfo.Utc));
    }

    [Fact]
    public void NextBoundary_InAZone_IsLocalMidnight()
    {
        // 23:30 UTC on 5 May is already 6 May in Berlin (UTC+2), so the next midnight is 7 May 00:00 local.
        var next = QuotaPeriods.NextBoundary(QuotaPeriod.Daily, Utc(2026, 5, 5, 23, 30), Berlin);

        Assert.Equal(Utc(2026, 5, 6, 22), next);
    }

    [Fact]
    public void NextBoundary_AcrossSpringForward_KeepsLocalMidnight()
    {
        // Berlin moves to UTC+2 on 29 March 2026: midnight of 1 April is 22:00 UTC the day before.
        var next = QuotaPeriods.NextBoundary(QuotaPeriod.Monthly, Utc(2026, 3, 10), Berlin);

        Assert.Equal(Utc(2026, 3, 31, 22), next);
    }

    [Fact]
    public void NextBoundary_MidnightInsideADstGap_IsWhenTheClocksJump()
    {
        // Chile springs forward at 00:00 local on 6 September 2026 (to 01:00, UTC-3); that
        // midnight never happens, and the day starts at 04:00 UTC.
        var next = QuotaPeriods.NextBoundary(QuotaPeriod.Daily, Utc(2026, 9, 5, 12), Santiago);

        Assert.Equal(Utc(2026, 9, 6, 4), next);
    }
}
