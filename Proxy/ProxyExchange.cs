using System.Diagnostics;
using System.Text;
using TokenRouter.Quota;
using TokenRouter.Storage;

namespace TokenRouter.Proxy;

/// <summary>
/// One authenticated request on its way through the proxy: what it asked for, what it has
/// cost so far, and how it ended. It is charged exactly once, whatever path it leaves by.
/// </summary>
internal sealed class ProxyExchange(
    HttpContext context, TeamAccount account, ApiEndpoint endpoint, DateTimeOffset startedAt, UsageCharger charger)
{
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private bool _charged;

    public HttpContext Context { get; } = context;
    public TeamAccount Account { get; } = account;
    public ApiEndpoint Endpoint { get; } = endpoint;
    public string RequestId { get; } = RequestIds.Of(context);
    public DateTimeOffset StartedAt { get; } = startedAt;

    public RequestFacts Facts { get; set; } = new();

    /// <summary>The model as the provider receives it (or as requested, when refused).</summary>
    public string Model { get; set; } = "";

    public Reservation? Reservation { get; set; }

    /// <summary>The status the client was sent; 499 when it went away first.</summary>
    public int Status { get; set; }

    public UsageReport? Usage { get; set; }

    /// <summary>Text the model produced, kept for an estimate in case no usage arrives.</summary>
    public StringBuilder Produced { get; } = new();

    public string? ErrorType { get; set; }
    public string? UpstreamRequestId { get; set; }

    /// <summary>The provider did no billable work (it refused, or was never reached).</summary>
    public bool NothingToCharge { get; set; }

    public bool IsCharged => _charged;

    public long ElapsedMs => (long)Stopwatch.GetElapsedTime(_startTimestamp).TotalMilliseconds;

    /// <summary>
    /// Writes the request's log row and charge, and waits until both are durable; the
    /// reservation is settled by the same commit. Later calls do nothing.
    /// </summary>
    public async ValueTask ChargeAsync()
    {
        if (_charged)
        {
            return;
        }

        _charged = true;
        await charger.ChargeAsync(this, BuildRecord(charger.Estimator));
    }

    private UsageRecord BuildRecord(TokenEstimator estimator)
    {
        long prompt, completion, total, cached = 0, reasoning = 0;
        var estimated = false;
        if (Usage is { } usage)
        {
            (prompt, completion, total, cached, reasoning) = (usage.Prompt, usage.Completion, usage.Total, usage.Cached, usage.Reasoning);
        }
        else if (NothingToCharge)
        {
            (prompt, completion, total) = (0, 0, 0);
        }
        else
        {
            // No usage from the provider for work it did: count it ourselves, never charge zero.
            prompt = Facts.PromptTokens;
            completion = estimator.Count(Produced.ToString());
            total = prompt + completion;
            estimated = true;
        }

        return new UsageRecord
        {
            RequestId = RequestId,
            StartedAt = StartedAt,
            TeamId = Account.Id,
            Model = Model,
            Endpoint = Endpoint.Route,
            Stream = Facts.Stream,
            Status = Status,
            PromptTokens = prompt,
            CompletionTokens = completion,
            TotalTokens = total,
            CachedTokens = cached,
            ReasoningTokens = reasoning,
            Estimated = estimated,
            DurationMs = ElapsedMs,
            UpstreamRequestId = UpstreamRequestId,
            ErrorType = ErrorType,
            EndUser = Facts.EndUser,
        };
    }
}
