namespace TokenRouter.Storage;

/// <summary>
/// One row of the request log: what a request that passed authentication cost and how it ended.
/// Never holds a body, a token or a key. Text chosen by clients or the provider is kept to
/// <see cref="LogText.MaxLength"/> characters.
/// </summary>
internal sealed record UsageRecord
{
    /// <summary>TokenRouter's own request id (also sent to the client as x-request-id).</summary>
    /// <remarks>
    /// It is the log's primary key. Ids that grow with time (e.g. <see cref="Guid.CreateVersion7()"/>)
    /// keep that index append-only; random ones make every charge touch a random index page and
    /// cost about twice as much to write.
    /// </remarks>
    public required string RequestId { get; init; }

    public required DateTimeOffset StartedAt { get; init; }
    public required long TeamId { get; init; }

    /// <summary>The model as the provider received it, or the requested one when it was refused.</summary>
    public required string Model { get; init => field = LogText.Cap(value); }

    /// <summary>The API path, e.g. <c>/v1/chat/completions</c>.</summary>
    public required string Endpoint { get; init => field = LogText.Cap(value); }

    public required bool Stream { get; init; }

    /// <summary>HTTP status sent to the client; 499 when the client went away first.</summary>
    public required int Status { get; init; }

    public long PromptTokens { get; init; }
    public long CompletionTokens { get; init; }

    /// <summary>What the team is charged: the provider's total, or the estimate.</summary>
    public long TotalTokens { get; init; }

    public long CachedTokens { get; init; }
    public long ReasoningTokens { get; init; }

    /// <summary>True when the provider reported no usage and the tokens were counted by our tokenizer.</summary>
    public bool Estimated { get; init; }

    public required long DurationMs { get; init; }
    public string? UpstreamRequestId { get; init => field = LogText.Cap(value); }

    /// <summary>Short machine-readable reason for a failure (e.g. <c>upstream_error</c>, <c>client_disconnected</c>).</summary>
    public string? ErrorType { get; init => field = LogText.Cap(value); }

    /// <summary>The request's <c>user</c> field, if any: the end user as the team's app names them.</summary>
    public string? EndUser { get; init => field = LogText.Cap(value); }
}
