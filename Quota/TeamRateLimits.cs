using System.Globalization;

namespace TokenRouter.Quota;

/// <summary>
/// A team's requests-per-minute and tokens-per-minute limits, as sliding one-minute windows.
/// Tokens are counted as the request's reservation: its prompt plus the most it may produce,
/// the way OpenAI counts them against TPM.
/// </summary>
internal sealed class TeamRateLimits
{
    /// <summary>The highest RPM or TPM a team may be given.</summary>
    public const long MaxLimit = 2_000_000_000;

    public static readonly string MaxLimitText = MaxLimit.ToString("N0", CultureInfo.InvariantCulture);

    private readonly Lock _gate = new();
    private readonly SlidingWindow? _requests;
    private readonly SlidingWindow? _tokens;

    public TeamRateLimits(int? requestsPerMinute, long? tokensPerMinute, TimeProvider clock)
    {
        RequestsPerMinute = requestsPerMinute;
        TokensPerMinute = tokensPerMinute;
        _requests = requestsPerMinute is { } rpm ? new SlidingWindow(rpm, clock) : null;
        _tokens = tokensPerMinute is { } tpm ? new SlidingWindow(tpm, clock) : null;
    }

    public int? RequestsPerMinute { get; }
    public long? TokensPerMinute { get; }

    /// <summary>
    /// Takes one request and the request's worst case in tokens from the windows, or neither.
    /// A request that does not state its output limit is counted with <paramref name="defaultAllowance"/>.
    /// </summary>
    public RateDecision TryAcquire(long promptTokens, long? maxOutputTokens, long defaultAllowance)
    {
        // Saturated, so that an absurd max_tokens cannot wrap round to a small number.
        var output = maxOutputTokens ?? defaultAllowance;
        var tokens = output > long.MaxValue - promptTokens ? long.MaxValue : promptTokens + output;
        if (tokens > TokensPerMinute)
        {
            // No window can ever hold it: a Retry-After would only send the client round in circles.
            var advice = maxOutputTokens is null
                ? $"It states no output limit, so {defaultAllowance} tokens are counted for its output; set max_tokens lower."
                : "Lower max_tokens or shorten the prompt.";
            return RateDecision.Refuse(RateLimit.RequestTooLarge,
                $"This request may use up to {tokens} tokens, more than your team's tokens-per-minute (TPM) limit of " +
                $"{TokensPerMinute}, so it can never be admitted and retrying will not help. {advice}", null, this);
        }

        // Checked together under one lock, so that a refusal for tokens does not spend a request.
        lock (_gate)
        {
            if (_requests is not null && _requests.Available < 1)
            {
                var wait = _requests.WaitFor(1);
                return RateDecision.Refuse(RateLimit.RequestsPerMinute,
                    $"Rate limit reached for requests per minute (RPM): your team may send {RequestsPerMinute} requests " +
                    $"per minute. Try again in {Seconds(wait)} s.", wait, this);
            }

            if (_tokens is not null && _tokens.Available is var left && left < tokens)
            {
                var wait = _tokens.WaitFor(tokens);
                return RateDecision.Refuse(RateLimit.TokensPerMinute,
                    $"Rate limit reached for tokens per minute (TPM): this request may use up to {tokens} tokens, and your " +
                    $"team has {left} of its {TokensPerMinute} tokens per minute left. Try again in {Seconds(wait)} s.", wait, this);
            }

            _requests?.Take(1);
            _tokens?.Take(tokens);
        }

        return RateDecision.Admit(this);
    }

    /// <summary>A wait in whole seconds, at least 1: what Retry-After and the messages say.</summary>
    public static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    public long? RemainingRequests => Read(_requests);
    public long? RemainingTokens => Read(_tokens);

    private long? Read(SlidingWindow? window)
    {
        lock (_gate)
        {
            return window?.Available;
        }
    }
}

/// <summary>Which limit refused a request.</summary>
internal enum RateLimit
{
    None,
    RequestsPerMinute,
    TokensPerMinute,

    /// <summary>The request alone is over the TPM limit: it can never be admitted.</summary>
    RequestTooLarge,
}

/// <summary>
/// The outcome of a rate-limit check, with what the client is told; <see cref="RetryAfter"/> is
/// null when waiting would not help.
/// </summary>
internal sealed record RateDecision(RateLimit Limit, string? Message, TimeSpan? RetryAfter, TeamRateLimits Limits)
{
    public bool Admitted => Limit == RateLimit.None;

    public static RateDecision Admit(TeamRateLimits limits) => new(RateLimit.None, null, null, limits);

    public static RateDecision Refuse(RateLimit limit, string message, TimeSpan? retryAfter, TeamRateLimits limits) =>
        new(limit, message, retryAfter, limits);
}
