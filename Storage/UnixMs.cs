namespace TokenRouter.Storage;

/// <summary>Times are stored as unix milliseconds, UTC.</summary>
internal static class UnixMs
{
    public static long From(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static long? From(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds();

    public static DateTimeOffset ToTime(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static DateTimeOffset? ToTimeOrNull(long? ms) => ms is { } value ? ToTime(value) : null;
}
