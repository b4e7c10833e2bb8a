using TokenRouter.Storage;

namespace TokenRouter.Quota;

/// <summary>Where quota periods end: local midnight, Monday 00:00 or the first of the month.</summary>
internal static class QuotaPeriods
{
    /// <summary>
    /// The first boundary of <paramref name="period"/> strictly after <paramref name="from"/>,
    /// in the wall-clock time of <paramref name="zone"/>; null for <see cref="QuotaPeriod.None"/>.
    /// </summary>
    public static DateTimeOffset? NextBoundary(QuotaPeriod period, DateTimeOffset from, TimeZoneInfo zone)
    {
        if (period == QuotaPeriod.None)
        {
            return null;
        }

        var day = TimeZoneInfo.ConvertTime(from, zone).Date;
        var next = period switch
        {
            QuotaPeriod.Daily => day.AddDays(1),

            // ISO weeks start on Monday: step back to this week's Monday, then a week on.
            QuotaPeriod.Weekly => day.AddDays(7 - (((int)day.DayOfWeek + 6) % 7)),
            QuotaPeriod.Monthly => new DateTime(day.Year, day.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(1),
            _ => throw new ArgumentOutOfRangeException(nameof(period), period, "Unknown quota period."),
        };
        return ToInstant(next, zone);
    }

    /// <summary>
    /// The period current at <paramref name="now"/> for one that started at <paramref name="from"/>:
    /// it starts at the last boundary passed (or at <paramref name="from"/> if none has) and ends at the next.
    /// </summary>
    public static (DateTimeOffset Start, DateTimeOffset? End) Current(
        QuotaPeriod period, DateTimeOffset from, DateTimeOffset now, TimeZoneInfo zone)
    {
        var start = from;
        var end = NextBoundary(period, from, zone);
        while (end is { } boundary && boundary <= now)
        {
            start = boundary;
            end = NextBoundary(period, boundary, zone);
        }

        return (start, end);
    }

    /// <summary>The instant a wall-clock time names in <paramref name="zone"/>, DST gaps and overlaps included.</summary>
    private static DateTimeOffset ToInstant(DateTime wallClock, TimeZoneInfo zone)
    {
        TimeSpan offset;
        if (zone.IsInvalidTime(wallClock))
        {
            // Midnight fell into a spring-forward gap: the period starts when the clocks jump,
            // which is the skipped time read with the offset in force before the jump.
            offset = zone.GetUtcOffset(wallClock.AddDays(-1));
        }
        else if (zone.IsAmbiguousTime(wallClock))
        {
            // Midnight happens twice: the first one counts, and it carries the larger offset.
            offset = zone.GetAmbiguousTimeOffsets(wallClock).Max();
        }
        else
        {
            offset = zone.GetUtcOffset(wallClock);
        }

        return new DateTimeOffset(wallClock, offset).ToUniversalTime();
    }
}
