namespace TokenRouter.Proxy;

/// <summary>The proxy's log lines. Never a token, a key or a body: names, numbers and ids only.</summary>
internal static partial class ProxyLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information,
        Message = "{Team} {Method} {Endpoint} {Model} -> {Status} in {DurationMs} ms, {TotalTokens} tokens{Estimated} [{RequestId}]")]
    public static partial void RequestCompleted(
        ILogger logger, string team, string method, string endpoint, string model, int status, long durationMs,
        long totalTokens, string estimated, string requestId);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning,
        Message = "Quota refused for team {Team} on {Model}: used {Used} of {Quota} [{RequestId}]")]
    public static partial void QuotaRefused(ILogger logger, string team, string model, long used, long quota, string requestId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "The provider could not be reached for {Endpoint} [{RequestId}]: {Reason}")]
    public static partial void ProviderUnreachable(ILogger logger, string endpoint, string requestId, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning,
        Message = "The provider sent nothing for {IdleSeconds} s on {Endpoint} [{RequestId}]")]
    public static partial void ProviderIdle(ILogger logger, string endpoint, int idleSeconds, string requestId);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning,
        Message = "The provider's stream for {Endpoint} ended early ({Failure}) [{RequestId}]")]
    public static partial void StreamFailed(ILogger logger, string endpoint, string failure, string requestId);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Debug,
        Message = "The client went away during {Endpoint} [{RequestId}]")]
    public static partial void ClientDisconnected(ILogger logger, string endpoint, string requestId);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning,
        Message = "The provider answered {Endpoint} with {Status} [{RequestId}]")]
    public static partial void ProviderError(ILogger logger, string endpoint, int status, string requestId);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning,
        Message = "Refusing {Endpoint}: the books cannot be written [{RequestId}]")]
    public static partial void BooksUnavailable(ILogger logger, string endpoint, string requestId);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error,
        Message = "The log row of a free request to {Endpoint} was answered before it was stored, and then not stored [{RequestId}]")]
    public static partial void FreeRowLost(ILogger logger, string endpoint, string requestId, Exception error);
}
