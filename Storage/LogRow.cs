namespace TokenRouter.Storage;

/// <summary>A request_log row joined with its team's name, as SQLite returns it.</summary>
internal sealed class LogRow
{
    public const string Columns = """
        l.request_id, l.started_at, l.team_id, l.model, l.endpoint, l.stream, l.status,
        l.prompt_tokens, l.completion_tokens, l.total_tokens, l.cached_tokens, l.reasoning_tokens,
        l.estimated, l.duration_ms, l.upstream_request_id, l.error_type, l.end_user, t.name AS team_name
        """;

    public string RequestId { get; set; } = "";
    public long StartedAt { get; set; }
    public long TeamId { get; set; }
    public string Model { get; set; } = "";
    public string Endpoint { get; set; } = "";
    public bool Stream { get; set; }
    public int Status { get; set; }
    public long PromptTokens { get; set; }
    public long CompletionTokens { get; set; }
    public long TotalTokens { get; set; }
    public long CachedTokens { get; set; }
    public long ReasoningTokens { get; set; }
    public bool Estimated { get; set; }
    public long DurationMs { get; set; }
    public string? UpstreamRequestId { get; set; }
    public string? ErrorType { get; set; }
    public string? EndUser { get; set; }
    public string? TeamName { get; set; }

    public LogEntry ToEntry() => new(
        new UsageRecord
        {
            RequestId = RequestId,
            StartedAt = UnixMs.ToTime(StartedAt),
            TeamId = TeamId,
            Model = Model,
            Endpoint = Endpoint,
            Stream = Stream,
            Status = Status,
            PromptTokens = PromptTokens,
            CompletionTokens = CompletionTokens,
            TotalTokens = TotalTokens,
            CachedTokens = CachedTokens,
            ReasoningTokens = ReasoningTokens,
            Estimated = Estimated,
            DurationMs = DurationMs,
            UpstreamRequestId = UpstreamRequestId,
            ErrorType = ErrorType,
            EndUser = EndUser,
        },
        TeamName);
}
