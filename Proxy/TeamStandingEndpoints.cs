using TokenRouter.Config;
using TokenRouter.Quota;
using TokenRouter.Storage;

namespace TokenRouter.Proxy;

/// <summary>
/// What a team may know of its own standing, with its own token: GET /v1/usage, and the
/// legacy billing endpoints that chat UIs call to show a balance.
/// </summary>
/// <remarks>
/// The billing endpoints speak in dollars; TokenRouter has no prices, so their "usd" fields
/// carry tokens (hard_limit_usd = quota, total_usage = used tokens x 100, as the field is in
/// cents). A UI then shows the balance in tokens.
/// </remarks>
internal static class TeamStandingEndpoints
{
    public static void MapTeamStanding(this RouteGroupBuilder v1)
    {
        v1.MapGet("usage", UsageAsync);
        v1.MapGet("dashboard/billing/subscription", SubscriptionAsync);
        v1.MapGet("dashboard/billing/usage", BillingUsageAsync);
    }

    private static async Task UsageAsync(
        HttpContext context, TeamAuthenticator authenticator, QuotaGate gate, ModelCatalog models, RouterSettings settings,
        UsageCharger books)
    {
        if (await AuthenticateAsync(context, authenticator, gate, books, "usage") is not { } account)
        {
            return;
        }

        var team = account.Team;
        var limits = account.RateLimits;
        var standing = new TeamStanding(
            "usage", team.Name, team.Quota, team.Used, team.Remaining, account.Reserved, team.Period.ToString().ToLowerInvariant(),
            team.PeriodStartedAt, account.NextResetAt(settings.QuotaTimeZone), team.ExpiresAt,
            new TeamLimits(team.RequestsPerMinute, team.TokensPerMinute, limits?.RemainingRequests, limits?.RemainingTokens),
            models.VisibleTo(team).ToList());
        await context.Response.WriteAsJsonAsync(standing, ProxyJsonContext.Default.TeamStanding);
    }

    private static async Task SubscriptionAsync(
        HttpContext context, TeamAuthenticator authenticator, QuotaGate gate, RouterSettings settings, UsageCharger books)
    {
        if (await AuthenticateAsync(context, authenticator, gate, books, "dashboard/billing/subscription") is not { } account)
        {
            return;
        }

        var team = account.Team;
        var until = team.ExpiresAt ?? account.NextResetAt(settings.QuotaTimeZone);
        var subscription = new BillingSubscription(
            "billing_subscription", true, team.Quota, team.Quota, team.Quota, until?.ToUnixTimeSeconds() ?? 0, team.Name);
        await context.Response.WriteAsJsonAsync(subscription, ProxyJsonContext.Default.BillingSubscription);
    }

    private static async Task BillingUsageAsync(
        HttpContext context, TeamAuthenticator authenticator, QuotaGate gate, UsageCharger books)
    {
        var invalid = BillingDates.Check(context.Request.Query);
        if (await AuthenticateAsync(context, authenticator, gate, books, "dashboard/billing/usage", invalid) is not { } account)
        {
            return;
        }

        var usage = new BillingUsage("list", account.Team.Used * 100);
        await context.Response.WriteAsJsonAsync(usage, ProxyJsonContext.Default.BillingUsage);
    }

    /// <summary>
    /// The caller's team, with the request's row in the books; null after a 401, or after
    /// <paramref name="invalid"/> was sent to a team that got past authentication.
    /// </summary>
    private static async Task<TeamAccount?> AuthenticateAsync(
        HttpContext context, TeamAuthenticator authenticator, QuotaGate gate, UsageCharger books, string path,
        OpenAIError? invalid = null)
    {
        var account = authenticator.Authenticate(context.Request, out var error);
        if (account is null)
        {
            await error!.WriteAsync(context.Response);
            return null;
        }

        // Like a proxied request, a look at the standing starts the new period if a boundary has passed.
        await gate.ResetIfDueAsync(account);
        await books.RecordFreeAsync(context, account, path, invalid?.Status ?? StatusCodes.Status200OK);
        if (invalid is not null)
        {
            await invalid.WriteAsync(context.Response);
            return null;
        }

        return account;
    }
}

internal sealed record TeamStanding(
    string Object,
    string Team,
    long Quota,
    long Used,
    long Remaining,
    long Reserved,
    string Period,
    DateTimeOffset PeriodStartedAt,
    DateTimeOffset? NextResetAt,
    DateTimeOffset? ExpiresAt,
    TeamLimits Limits,
    IReadOnlyList<string> Models);

internal sealed record TeamLimits(int? Rpm, long? Tpm, long? RemainingRequests, long? RemainingTokens);

internal sealed record BillingSubscription(
    string Object,
    bool HasPaymentMethod,
    long HardLimitUsd,
    long SoftLimitUsd,
    long SystemHardLimitUsd,
    long AccessUntil,
    string AccountName);

internal sealed record BillingUsage(string Object, long TotalUsage);
