using Dapper;

namespace TokenRouter.Storage;

/// <summary>The usage summary behind the admin charts: SQLite aggregates, this file arranges.</summary>
internal sealed partial class SqliteBooks
{
    private const long QuarterMs = 15 * 60 * 1000;

    // The split by model counts the requests the provider was sent: those that named a model
    // and passed every check. Refusals keep the name the client sent (a typo, "+1+1") and
    // /v1/models or /v1/usage name none. A refusal's error_type is its OpenAI error code; a
    // request that was forwarded has none, or one of the proxy's own failure names below.
    private const string SentToProvider = """
        l.model <> '' AND (l.error_type IS NULL OR l.error_type IN ('upstream_error', 'upstream_stream_error',
            'stream_mismatch', 'provider_timeout', 'provider_unreachable', 'provider_response_cut', 'client_disconnected'))
        """;

    public Task<UsageSummary> SummarizeUsageAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var zone = query.TimeZone;
        var now = _clock.GetUtcNow();
        var to = query.To ?? now;
        var span = query.Bucket == UsageBucket.Hour ? TimeSpan.FromHours(48) : TimeSpan.FromDays(30);
        var from = query.From ?? to - span;
        if (from >= to)
        {
            throw new ArgumentException("The usage range must start before it ends.", nameof(query));
        }

        var buckets = UsageCalendar.Buckets(from, to, query.Bucket, zone);
        var today = UsageCalendar.StartOfDay(now, zone);
        var todayDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var spans = new UsageArgs
        {
            TeamId = query.TeamId,
            Today = UnixMs.From(today),
            Week = UnixMs.From(UsageCalendar.StartOfDate(todayDate.AddDays(-6), zone)),
            From = UnixMs.From(UsageCalendar.StartOfDate(todayDate.AddDays(-29), zone)),
            To = long.MaxValue,
        };
        var range = new UsageArgs
        {
            TeamId = query.TeamId,
            From = UnixMs.From(buckets[0]),
            To = UnixMs.From(buckets[^1]),
        };

        // The team filter is added only when asked for, so each query can use the team index.
        var team = query.TeamId is null ? "" : "AND l.team_id = @TeamId";

        using var lease = _connections.Read();
        var connection = lease.Connection;
        using var snapshot = connection.BeginTransaction(deferred: true);

        var spanRows = connection.Query<SpanUsageRow>($"""
            SELECT CASE WHEN l.started_at >= @Today THEN 0 WHEN l.started_at >= @Week THEN 1 ELSE 2 END AS span,
                   count(*) AS requests, count(*) FILTER (WHERE l.status >= 400) AS errors,
                   sum(l.prompt_tokens) AS prompt_tokens, sum(l.completion_tokens) AS completion_tokens,
                   sum(l.total_tokens) AS total_tokens
            FROM request_log l
            WHERE l.started_at >= @From {team}
            GROUP BY span
            """,
            spans,
            snapshot);
        var (todayTotals, weekTotals, monthTotals) = Totals(spanRows);

        var quarterRows = connection.Query<QuarterUsageRow>($"""
            SELECT l.started_at / {QuarterMs} AS quarter, count(*) AS requests, sum(l.total_tokens) AS total_tokens
            FROM request_log l
            WHERE l.started_at >= @From AND l.started_at < @To {team}
            GROUP BY quarter
            """,
            range,
            snapshot);
        var series = ToSeries(buckets, quarterRows);

        var byModel = connection.Query<ModelUsageRow>($"""
            SELECT l.model, count(*) AS requests, sum(l.prompt_tokens) AS prompt_tokens,
                   sum(l.completion_tokens) AS completion_tokens, sum(l.total_tokens) AS total_tokens
            FROM request_log l
            WHERE l.started_at >= @From AND l.started_at < @To {team} AND {SentToProvider}
            GROUP BY l.model
            ORDER BY total_tokens DESC, l.model
            """,
            range,
            snapshot)
            .Select(row => new ModelUsage(
                row.Model, row.Requests, row.PromptTokens, row.CompletionTokens, row.TotalTokens))
            .ToList();

        var byTeam = connection.Query<TeamUsageRow>($"""
            SELECT l.team_id, t.name AS team_name, t.deleted_at IS NOT NULL AS team_deleted,
                   count(*) AS requests, sum(l.total_tokens) AS total_tokens
            FROM request_log l LEFT JOIN teams t ON t.id = l.team_id
            WHERE l.started_at >= @From AND l.started_at < @To {team}
            GROUP BY l.team_id
            ORDER BY total_tokens DESC, l.team_id
            """,
            range,
            snapshot)
            .Select(row => new TeamUsage(row.TeamId, row.TeamName, row.Requests, row.TotalTokens, row.TeamDeleted))
            .ToList();

        snapshot.Commit();
        return Task.FromResult(new UsageSummary(
            todayTotals,
            weekTotals,
            monthTotals,
            query.Bucket,
            From: buckets[0],
            To: buckets[^1],
            series,
            byModel,
            byTeam));
    }

    /// <summary>Today, the last 7 and the last 30 days from the rows of the three spans.</summary>
    private static (UsageTotals Today, UsageTotals Week, UsageTotals Month) Totals(IEnumerable<SpanUsageRow> rows)
    {
        // NOTE: not Dapper's AsList(): it roots Dapper's reflection-based SqlMapper in the native
        // binary, which then fails the AOT build. The rows are read once, as they come.
        var spans = new UsageTotals[3];
        Array.Fill(spans, UsageTotals.Zero);
        foreach (var row in rows)
        {
            spans[row.Span] = new UsageTotals(
                row.Requests, row.Errors, row.PromptTokens, row.CompletionTokens, row.TotalTokens);
        }

        var week = Add(spans[0], spans[1]);
        return (spans[0], week, Add(week, spans[2]));
    }

    private static UsageTotals Add(UsageTotals a, UsageTotals b) => new(
        a.Requests + b.Requests,
        a.Errors + b.Errors,
        a.PromptTokens + b.PromptTokens,
        a.CompletionTokens + b.CompletionTokens,
        a.TotalTokens + b.TotalTokens);

    /// <summary>Adds each quarter hour into the bucket that holds it; buckets without usage stay at zero.</summary>
    private static List<UsagePoint> ToSeries(List<DateTimeOffset> buckets, IEnumerable<QuarterUsageRow> quarters)
    {
        var starts = buckets.Select(UnixMs.From).ToArray();
        var requests = new long[buckets.Count - 1];
        var tokens = new long[buckets.Count - 1];
        foreach (var quarter in quarters)
        {
            // The bucket whose start is the last one at or before this quarter's start.
            var index = Array.BinarySearch(starts, quarter.Quarter * QuarterMs);
            index = index >= 0 ? index : ~index - 1;
            index = Math.Clamp(index, 0, requests.Length - 1);
            requests[index] += quarter.Requests;
            tokens[index] += quarter.TotalTokens;
        }

        var series = new List<UsagePoint>(requests.Length);
        for (var i = 0; i < requests.Length; i++)
        {
            series.Add(new UsagePoint(buckets[i], requests[i], tokens[i]));
        }

        return series;
    }
}
