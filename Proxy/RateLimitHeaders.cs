using System.Globalization;
using TokenRouter.Quota;

namespace TokenRouter.Proxy;

/// <summary>OpenAI's x-ratelimit-* and Retry-After headers, from the team's own limits.</summary>
internal static class RateLimitHeaders
{
    public static void Write(HttpResponse response, RateDecision decision)
    {
        var limits = decision.Limits;
        var seconds = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds));
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        if (limits.RequestsPerMinute is { } rpm)
        {
            response.Headers["x-ratelimit-limit-requests"] = rpm.ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-remaining-requests"] = (limits.RemainingRequests ?? 0).ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-reset-requests"] = $"{seconds}s";
        }

        if (limits.TokensPerMinute is { } tpm)
        {
            response.Headers["x-ratelimit-limit-tokens"] = tpm.ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-remaining-tokens"] = (limits.RemainingTokens ?? 0).ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-reset-tokens"] = $"{seconds}s";
        }
    }
}
