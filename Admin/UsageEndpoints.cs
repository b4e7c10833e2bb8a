using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TokenRouter.Config;
using TokenRouter.Storage;

namespace TokenRouter.Admin;

internal sealed record UsageView(
    [property: Description("Total tokens today, in the last 7 and in the last 30 days (calendar days, today included).")]
    UsageTotalsView Totals,
    string Bucket,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<UsagePointView> Series,
    [property: Description("Requests that named a model and were sent to the provider; refusals are left out.")]
    IReadOnlyList<ModelUsageView> ByModel,
    IReadOnlyList<TeamUsageView> ByTeam);

// The naming policy would write "last7_days"; the contract says "last_7_days".
internal sealed record UsageTotalsView(
    long Today,
    [property: JsonPropertyName("last_7_days")] long Last7Days,
    [property: JsonPropertyName("last_30_days")] long Last30Days);

internal sealed record UsagePointView(DateTimeOffset Start, long TotalTokens, long Requests);

internal sealed record ModelUsageView(string Model, long TotalTokens, long Requests);

internal sealed record TeamUsageView(
    long TeamId,
    string? TeamName,
    [property: Description("True when the team has been deleted; team_name is the name it last had.")] bool TeamDeleted,
    long TotalTokens,
    long Requests);

internal sealed record UsageFilter
{
    [FromQuery(Name = "team_id"), Description("One team; all teams when absent.")]
    public string? TeamId { get; init; }

    [FromQuery(Name = "bucket"), Description("hour or day (default day).")]
    public string? Bucket { get; init; }

    [FromQuery(Name = "from"), Description("ISO 8601 start of the series (default 48 hours or 30 days before to).")]
    public string? From { get; init; }

    [FromQuery(Name = "to"), Description("ISO 8601 end of the series (default now).")]
    public string? To { get; init; }
}

/// <summary>/admin/api/usage: the usage page's totals, chart series and breakdowns, aggregated in SQL.</summary>
internal static class UsageEndpoints
{
    private static readonly TimeSpan DefaultHours = TimeSpan.FromHours(48);
    private static readonly TimeSpan DefaultDays = TimeSpan.FromDays(30);

    public static void MapUsage(this RouteGroupBuilder api)
    {
        api.MapGet("/usage", GetAsync)
            .WithTags("Usage")
            .WithSummary("Token totals, a time series in hour or day buckets, and usage by model and by team.");
    }

    private static async Task<Results<Ok<UsageView>, JsonHttpResult<AdminError>>> GetAsync(
        [AsParameters] UsageFilter filter, IBooks books, RouterSettings settings, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var error = TryParse(filter, settings.QuotaTimeZone, clock.GetUtcNow(), out var query);
        if (error is not null)
        {
            return error;
        }

        var summary = await books.SummarizeUsageAsync(query, cancellationToken);
        return TypedResults.Ok(new UsageView(
            new UsageTotalsView(summary.Today.TotalTokens, summary.Last7Days.TotalTokens, summary.Last30Days.TotalTokens),
            summary.Bucket == UsageBucket.Hour ? "hour" : "day",
            summary.From,
            summary.To,
            [.. summary.Series.Select(p => new UsagePointView(p.Start, p.TotalTokens, p.Requests))],
            [.. summary.ByModel.Select(m => new ModelUsageView(m.Model, m.TotalTokens, m.Requests))],
            [.. summary.ByTeam.Select(t => new TeamUsageView(t.TeamId, t.TeamName, t.TeamDeleted, t.TotalTokens, t.Requests))]));
    }

    internal static JsonHttpResult<AdminError>? TryParse(
        UsageFilter filter, TimeZoneInfo zone, DateTimeOffset now, out UsageQuery query)
    {
        query = new UsageQuery { TimeZone = zone };
        if (filter.TeamId is not null)
        {
            if (!long.TryParse(filter.TeamId, NumberStyles.None, CultureInfo.InvariantCulture, out var teamId))
            {
                return AdminErrors.Invalid("team_id", "team_id must be a team's numeric id.");
            }

            query = query with { TeamId = teamId };
        }

        switch (filter.Bucket?.ToLowerInvariant())
        {
            case null or "day":
                break;
            case "hour":
                query = query with { Bucket = UsageBucket.Hour };
                break;
            default:
                return AdminErrors.Invalid("bucket", "bucket must be hour or day.");
        }

        var timeError = LogEndpoints.TryParseTime("from", filter.From, out var from);
        DateTimeOffset? to = null;
        timeError ??= LogEndpoints.TryParseTime("to", filter.To, out to);
        if (timeError is not null)
        {
            return timeError;
        }

        // The defaults are filled in here, so that the limits hold for the range actually summed.
        var end = to ?? now;
        var start = from ?? end - (query.Bucket == UsageBucket.Hour ? DefaultHours : DefaultDays);
        if (start >= end)
        {
            return to is null
                ? AdminErrors.Invalid("from", "from must be in the past when to is not given.")
                : AdminErrors.Invalid("from", "from must be earlier than to.");
        }

        if (UsageCalendar.TryBuckets(start, end, query.Bucket, zone) is null)
        {
            var unit = query.Bucket == UsageBucket.Hour ? "hours" : "days";
            var hint = query.Bucket == UsageBucket.Hour ? "narrow it or use day buckets" : "narrow it";
            return AdminErrors.Invalid(from is null ? "to" : "from",
                $"The range holds more than {UsageQuery.MaxBuckets} {unit}, the most one chart shows; {hint}.");
        }

        query = query with { From = start, To = end };
        return null;
    }
}
