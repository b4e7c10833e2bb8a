using System.Globalization;
using TokenRouter.Quota;

namespace TokenRouter.Proxy;

/// <summary>
/// OpenAI's x-ratelimit-* headers from the team's own limits, and Retry-After when waiting
/// helps. Only the limit that refused the request gets a reset time.
/// </summary>
internal static class RateLimitHeaders
{
    /// <summary>The headers of a refusal: the team's standing, and when the limit that was hit frees up.</summary>
    public static void Write(HttpResponse response, RateDecision decision)
    {
        WriteStanding(response, decision.Limits);
        if (decision.RetryAfter is not { } wait)
        {
            return;
        }

        var seconds = TeamRateLimits.Seconds(wait).ToString(CultureInfo.InvariantCulture);
        response.Headers.RetryAfter = seconds;
        var reset = decision.Limit switch
        {
            RateLimit.RequestsPerMinute => "x-ratelimit-reset-requests",
            RateLimit.TokensPerMinute => "x-ratelimit-reset-tokens",
            _ => null,
        };
        if (reset is not null)
        {
            response.Headers[reset] = seconds + "s";
        }
    }

    /// <summary>
    /// The team's limits and what is left of them, on every answer to an admitted request as
    /// OpenAI sends them; they replace the provider's own, which describe TokenRouter's account.
    /// </summary>
    public static void WriteStanding(HttpResponse response, TeamRateLimits limits)
    {
        if (limits.RequestsPerMinute is { } rpm)
        {
            response.Headers["x-ratelimit-limit-requests"] = rpm.ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-remaining-requests"] = (limits.RemainingRequests ?? 0).ToString(CultureInfo.InvariantCulture);
            response.Headers.Remove("x-ratelimit-reset-requests");
        }

        if (limits.TokensPerMinute is { } tpm)
        {
            response.Headers["x-ratelimit-limit-tokens"] = tpm.ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-remaining-tokens"] = (limits.RemainingTokens ?? 0).ToString(CultureInfo.InvariantCulture);
            response.Headers.Remove("x-ratelimit-reset-tokens");
        }
    }
}
