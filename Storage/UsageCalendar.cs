namespace TokenRouter.Storage;

/// <summary>
/// Where hours and days begin in a time zone, as UTC instants. Offsets change with daylight
/// saving, so a day is not always 24 hours and a local midnight may not exist at all.
/// </summary>
internal static class UsageCalendar
{
    /// <summary>The instant the local day containing <paramref name="instant"/> began.</summary>
    public static DateTimeOffset StartOfDay(DateTimeOffset instant, TimeZoneInfo zone) =>
        StartOfDate(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime), zone);

    /// <summary>The first instant of a local date.</summary>
    public static DateTimeOffset StartOfDate(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);

        // Where clocks jump forward at midnight the day begins at the first time that exists.
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        // Where they fall back over midnight it happens twice; the day begins at the first.
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    /// <summary>The instant the local hour containing <paramref name="instant"/> began.</summary>
    public static DateTimeOffset StartOfHour(DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        return instant.ToUniversalTime() - new TimeSpan(local.Ticks % TimeSpan.TicksPerHour);
    }

    /// <summary>
    /// The starts of the buckets that cover [from, to), followed by the end of the last one.
    /// </summary>
    /// <exception cref="ArgumentException">More than <see cref="UsageQuery.MaxBuckets"/> buckets.</exception>
    public static List<DateTimeOffset> Buckets(
        DateTimeOffset from, DateTimeOffset to, UsageBucket bucket, TimeZoneInfo zone)
    {
        var unit = bucket == UsageBucket.Hour ? "hours" : "days";
        return TryBuckets(from, to, bucket, zone)
            ?? throw new ArgumentException($"The range holds more than {UsageQuery.MaxBuckets} {unit}.");
    }

    /// <summary>As <see cref="Buckets"/>, but null when the range holds more than <see cref="UsageQuery.MaxBuckets"/>.</summary>
    public static List<DateTimeOffset>? TryBuckets(
        DateTimeOffset from, DateTimeOffset to, UsageBucket bucket, TimeZoneInfo zone)
    {
        var starts = new List<DateTimeOffset>();
        var start = bucket == UsageBucket.Hour ? StartOfHour(from, zone) : StartOfDay(from, zone);
        while (true)
        {
            starts.Add(start);
            if (start >= to)
            {
                return starts;
            }

            if (starts.Count > UsageQuery.MaxBuckets)
            {
                return null;
            }

            start = Next(start, bucket, zone);
        }
    }

    private static DateTimeOffset Next(DateTimeOffset start, UsageBucket bucket, TimeZoneInfo zone)
    {
        if (bucket == UsageBucket.Hour)
        {
            // Computed afresh: a half-hour daylight shift moves where the local hours begin.
            return StartOfHour(start.AddHours(1), zone);
        }

        var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(start, zone).DateTime);
        return StartOfDate(date.AddDays(1), zone);
    }
}
