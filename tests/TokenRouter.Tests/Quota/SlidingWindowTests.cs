using Microsoft.Extensions.Time.Testing;
using TokenRouter.Quota;

namespace TokenRouter.Tests.Quota;

public sealed class SlidingWindowTests
{
    // 12:00:00 starts a five-second segment; one second in, so waits are not whole segments.
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 12, 0, 1, TimeSpan.Zero);

    [Fact]
    public void WaitFor_FullWindow_LastsUntilTheOldestSegmentLeaves_NotOneSegment()
    {
        var clock = new FakeTimeProvider(Start);
        var window = new SlidingWindow(2, clock);
        window.Take(2);
        clock.Advance(TimeSpan.FromSeconds(20));

        var wait = window.WaitFor(1);

        Assert.Equal(TimeSpan.FromSeconds(39), wait);
        clock.Advance(wait - TimeSpan.FromTicks(1));
        Assert.Equal(0, window.Available);
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(2, window.Available);
    }

    [Fact]
    public void WaitFor_Tokens_CountsOnlyAsManyOldSegmentsAsTheRequestNeeds()
    {
        var clock = new FakeTimeProvider(Start);
        var window = new SlidingWindow(100, clock);
        window.Take(30); // segment 12:00:00, leaves at 12:01:00
        clock.Advance(TimeSpan.FromSeconds(10));
        window.Take(30); // segment 12:00:10, leaves at 12:01:10
        clock.Advance(TimeSpan.FromSeconds(10));
        window.Take(30); // segment 12:00:20, leaves at 12:01:20

        Assert.Equal(TimeSpan.Zero, window.WaitFor(10));
        Assert.Equal(TimeSpan.FromSeconds(39), window.WaitFor(40)); // the first 30 are enough
        Assert.Equal(TimeSpan.FromSeconds(49), window.WaitFor(70)); // the first two segments are needed
        clock.Advance(TimeSpan.FromSeconds(49));
        Assert.Equal(70, window.Available);
    }

    [Fact]
    public void Available_AfterAnIdleHour_IsTheWholeLimit()
    {
        var clock = new FakeTimeProvider(Start);
        var window = new SlidingWindow(5, clock);
        window.Take(5);

        clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(5, window.Available);
        Assert.Equal(TimeSpan.Zero, window.WaitFor(5));
    }
}
