using System.Threading.RateLimiting;

namespace TokenRouter.Quota;

/// <summary>
/// A team's requests-per-minute and tokens-per-minute limits, as sliding one-minute windows
/// (System.Threading.RateLimiting). Tokens are counted as the request's reservation: its
/// prompt plus the most it may produce, the way OpenAI counts them against TPM.
/// </summary>
internal sealed class TeamRateLimits : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int Segments = 12; // five-second slices: frees up smoothly, not all at once

    private readonly Lock _gate = new();
    private readonly SlidingWindowRateLimiter? _requests;
    private readonly SlidingWindowRateLimiter? _tokens;

    public TeamRateLimits(int? requestsPerMinute, long? tokensPerMinute)
    {
        RequestsPerMinute = requestsPerMinute;
        TokensPerMinute = tokensPerMinute;
        _requests = requestsPerMinute is { } rpm ? Create(rpm) : null;
        _tokens = tokensPerMinute is { } tpm ? Create((int)Math.Min(tpm, int.MaxValue)) : null;
    }

    public int? RequestsPerMinute { get; }
    public long? TokensPerMinute { get; }

    /// <summary>Takes one request and <paramref name="tokens"/> tokens from the windows, or neither.</summary>
    public RateDecision TryAcquire(long tokens)
    {
        if (tokens > TokensPerMinute)
        {
            return RateDecision.Refuse(
                $"This request may use up to {tokens} tokens, more than your team's limit of {TokensPerMinute} tokens " +
                "per minute. Lower max_tokens or shorten the prompt.", TimeSpan.Zero, this);
        }

        // Checked together under one lock, so that a refusal for tokens does not spend a request.
        lock (_gate)
        {
            if (_requests is not null && _requests.GetStatistics()!.CurrentAvailablePermits < 1)
            {
                using var refused = _requests.AttemptAcquire(1);
                return RateDecision.Refuse(
                    $"Rate limit reached: your team may send {RequestsPerMinute} requests per minute.", RetryAfter(refused), this);
            }

            if (_tokens is not null && _tokens.GetStatistics()!.CurrentAvailablePermits < tokens)
            {
                using var refused = _tokens.AttemptAcquire((int)tokens);
                return RateDecision.Refuse(
                    $"Rate limit reached: your team may use {TokensPerMinute} tokens per minute.", RetryAfter(refused), this);
            }

            _requests?.AttemptAcquire(1).Dispose();
            _tokens?.AttemptAcquire((int)tokens).Dispose();
        }

        return RateDecision.Admit(this);
    }

    public long? RemainingRequests => _requests?.GetStatistics()?.CurrentAvailablePermits;
    public long? RemainingTokens => _tokens?.GetStatistics()?.CurrentAvailablePermits;

    private static SlidingWindowRateLimiter Create(int permits) => new(new SlidingWindowRateLimiterOptions
    {
        PermitLimit = Math.Max(1, permits),
        Window = Window,
        SegmentsPerWindow = Segments,
        QueueLimit = 0,
        AutoReplenishment = true,
    });

    private static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : Window / Segments;

    public void Dispose()
    {
        _requests?.Dispose();
        _tokens?.Dispose();
    }
}

/// <summary>The outcome of a rate-limit check, with what the client is told.</summary>
internal sealed record RateDecision(bool Admitted, string? Message, TimeSpan RetryAfter, TeamRateLimits Limits)
{
    public static RateDecision Admit(TeamRateLimits limits) => new(true, null, TimeSpan.Zero, limits);

    public static RateDecision Refuse(string message, TimeSpan retryAfter, TeamRateLimits limits) =>
        new(false, message, retryAfter, limits);
}
