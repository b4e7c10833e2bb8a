namespace TokenRouter.Storage;

/// <summary>The width of one point of a usage time series.</summary>
internal enum UsageBucket
{
    Hour,
    Day,
}

/// <summary>What the admin usage page asks for: one team or all, and the range of the chart.</summary>
internal sealed record UsageQuery
{
    /// <summary>Null for all teams.</summary>
    public long? TeamId { get; init; }

    public UsageBucket Bucket { get; init; } = UsageBucket.Day;

    /// <summary>
    /// Start of the series; by default 48 hours (hour buckets) or 30 days (day buckets) before <see cref="To"/>.
    /// </summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>End of the series (exclusive); by default now.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Where days and hours begin, for "today" and for the buckets.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>The most points one series may have.</summary>
    public const int MaxBuckets = 1000;
}

/// <summary>
/// Usage at a glance. Today, 7 and 30 days are calendar days in the query's time zone, today
/// included; the series and the breakdowns cover the query's range.
/// </summary>
internal sealed record UsageSummary(
    UsageTotals Today,
    UsageTotals Last7Days,
    UsageTotals Last30Days,
    UsageBucket Bucket,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<UsagePoint> Series,
    IReadOnlyList<ModelUsage> ByModel,
    IReadOnlyList<TeamUsage> ByTeam);

/// <summary>Requests and tokens over a span; errors are requests answered with a status of 400 or more.</summary>
internal sealed record UsageTotals(
    long Requests, long Errors, long PromptTokens, long CompletionTokens, long TotalTokens)
{
    public static readonly UsageTotals Zero = new(0, 0, 0, 0, 0);
}

/// <summary>One bucket of the series, starting at <see cref="Start"/>; empty buckets are present with zeros.</summary>
internal sealed record UsagePoint(DateTimeOffset Start, long Requests, long TotalTokens);

/// <summary>A model's share, of the requests that were sent to the provider (see <see cref="SqliteBooks"/>).</summary>
internal sealed record ModelUsage(
    string Model, long Requests, long PromptTokens, long CompletionTokens, long TotalTokens);

/// <summary>A team's share; the name is the team's current one, also for a deleted team.</summary>
internal sealed record TeamUsage(long TeamId, string? TeamName, long Requests, long TotalTokens, bool TeamDeleted = false);
