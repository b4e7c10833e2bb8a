namespace TokenRouter.Storage;

// The shapes of the read queries' parameters and results, as SQLite sees them. Columns map to
// members ignoring case and underscores; parameters do not: Dapper.AOT names each one after its
// member and SQLite matches names exactly, so the SQL says @TeamId for LogArgs.TeamId.

internal sealed class ResetRow
{
    public long TeamId { get; set; }
    public long At { get; set; }
    public string Kind { get; set; } = "";
    public string By { get; set; } = "";
    public long UsedBefore { get; set; }

    public UsageReset ToReset() => new(TeamId, UnixMs.ToTime(At), Kind, By, UsedBefore);
}

internal sealed class LogArgs
{
    public long? TeamId { get; init; }
    public string? Model { get; init; }
    public int? Status { get; init; }
    public long? From { get; init; }
    public long? To { get; init; }
    public int Limit { get; init; }
    public int Offset { get; init; }
}

internal sealed class UsageArgs
{
    public long? TeamId { get; init; }
    public long From { get; init; }
    public long To { get; init; }
    public long Today { get; init; }
    public long Week { get; init; }
}

/// <summary>Totals of one span: 0 today, 1 the six days before, 2 the 23 days before those.</summary>
internal sealed class SpanUsageRow
{
    public int Span { get; set; }
    public long Requests { get; set; }
    public long Errors { get; set; }
    public long PromptTokens { get; set; }
    public long CompletionTokens { get; set; }
    public long TotalTokens { get; set; }
}

/// <summary>Usage of one quarter hour (unix ms / 900,000): every time zone's hours and days start on one.</summary>
internal sealed class QuarterUsageRow
{
    public long Quarter { get; set; }
    public long Requests { get; set; }
    public long TotalTokens { get; set; }
}

internal sealed class ModelUsageRow
{
    public string Model { get; set; } = "";
    public long Requests { get; set; }
    public long PromptTokens { get; set; }
    public long CompletionTokens { get; set; }
    public long TotalTokens { get; set; }
}

internal sealed class TeamUsageRow
{
    public long TeamId { get; set; }
    public string? TeamName { get; set; }
    public bool TeamDeleted { get; set; }
    public long Requests { get; set; }
    public long TotalTokens { get; set; }
}
