namespace TokenRouter.Quota;

/// <summary>Where quota periods end: midnight, Monday midnight or the first of the month, in the configured zone.</summary>
internal static class PeriodBoundaries
{
    /// <summary>The first boundary strictly after <paramref name="from"/>; null for a quota without period.</summary>
    public static DateTimeOffset? Next(Storage.QuotaPeriod period, DateTimeOffset from, TimeZoneInfo zone)
    {
        if (period == Storage.QuotaPeriod.None)
        {
            return null;
        }

        var local = TimeZoneInfo.ConvertTime(from, zone).DateTime;
        var next = period switch
        {
            Storage.QuotaPeriod.Daily => local.Date.AddDays(1),
            Storage.QuotaPeriod.Weekly => local.Date.AddDays(DaysUntilNextMonday(local.DayOfWeek)),
            _ => new DateTime(local.Year, local.Month, 1).AddMonths(1),
        };
        return ToInstant(next, zone);
    }

    private static int DaysUntilNextMonday(DayOfWeek day)
    {
        var days = ((int)DayOfWeek.Monday - (int)day + 7) % 7;
        return days == 0 ? 7 : days;
    }

    /// <summary>
    /// The instant a local wall-clock time names. A midnight that a daylight-saving jump skips
    /// is taken at the first instant that exists after it.
    /// </summary>
    private static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddMinutes(15);
        }

        return new DateTimeOffset(unspecified, zone.GetUtcOffset(unspecified));
    }
}
