using System.Globalization;
using TokenRouter.Quota;

namespace TokenRouter.Proxy;

/// <summary>
/// OpenAI's x-ratelimit-* headers from the team's own limits, and Retry-After when waiting
/// helps. Only the limit that refused the request gets a reset time.
/// </summary>
internal static class RateLimitHeaders
{
    public static void Write(HttpResponse response, RateDecision decision)
    {
        var limits = decision.Limits;
        var seconds = decision.RetryAfter is { } wait ? TeamRateLimits.Seconds(wait) : (int?)null;
        var reset = seconds is { } s ? $"{s}s" : null;
        if (seconds is not null)
        {
            response.Headers.RetryAfter = seconds.Value.ToString(CultureInfo.InvariantCulture);
        }

        if (limits.RequestsPerMinute is { } rpm)
        {
            response.Headers["x-ratelimit-limit-requests"] = rpm.ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-remaining-requests"] = (limits.RemainingRequests ?? 0).ToString(CultureInfo.InvariantCulture);
            if (decision.Limit == RateLimit.RequestsPerMinute && reset is not null)
            {
                response.Headers["x-ratelimit-reset-requests"] = reset;
            }
        }

        if (limits.TokensPerMinute is { } tpm)
        {
            response.Headers["x-ratelimit-limit-tokens"] = tpm.ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-remaining-tokens"] = (limits.RemainingTokens ?? 0).ToString(CultureInfo.InvariantCulture);
            if (decision.Limit == RateLimit.TokensPerMinute && reset is not null)
            {
                response.Headers["x-ratelimit-reset-tokens"] = reset;
            }
        }
    }
}
