using System.ComponentModel;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TokenRouter.Storage;

namespace TokenRouter.Admin;

/// <summary>One request log row as the admin API shows it.</summary>
internal sealed record LogRow(
    string RequestId,
    DateTimeOffset StartedAt,
    long TeamId,
    string? TeamName,
    string Model,
    string Endpoint,
    bool Stream,
    int Status,
    long PromptTokens,
    long CompletionTokens,
    long TotalTokens,
    long CachedTokens,
    long ReasoningTokens,
    bool Estimated,
    long DurationMs,
    string? UpstreamRequestId,
    string? ErrorType,
    string? EndUser)
{
    public static LogRow From(LogEntry entry)
    {
        var r = entry.Record;
        return new LogRow(r.RequestId, r.StartedAt, r.TeamId, entry.TeamName, r.Model, r.Endpoint, r.Stream, r.Status,
            r.PromptTokens, r.CompletionTokens, r.TotalTokens, r.CachedTokens, r.ReasoningTokens, r.Estimated,
            r.DurationMs, r.UpstreamRequestId, r.ErrorType, r.EndUser);
    }
}

internal sealed record LogList(IReadOnlyList<LogRow> Data, long Total);

/// <summary>The request log filters, as they come in the query string.</summary>
internal sealed record LogFilter
{
    [FromQuery(Name = "team_id"), Description("Only this team's requests.")]
    public string? TeamId { get; init; }

    [FromQuery(Name = "model"), Description("Only requests for this model.")]
    public string? Model { get; init; }

    [FromQuery(Name = "status"), Description("Only requests answered with this HTTP status.")]
    public string? Status { get; init; }

    [FromQuery(Name = "from"), Description("ISO 8601; requests that started at or after it.")]
    public string? From { get; init; }

    [FromQuery(Name = "to"), Description("ISO 8601; requests that started before it.")]
    public string? To { get; init; }

    [FromQuery(Name = "limit"), Description("Rows per page, 1 to 500 (default 50).")]
    public string? Limit { get; init; }

    [FromQuery(Name = "offset"), Description("Rows to skip (default 0).")]
    public string? Offset { get; init; }
}

/// <summary>/admin/api/logs and logs.csv: the request log, newest first, filtered in SQL.</summary>
internal static class LogEndpoints
{
    public const int MaxLimit = 500;

    // Times outside these bounds mean nothing to the books and would overflow date arithmetic.
    private static readonly DateTimeOffset EarliestTime = DateTimeOffset.UnixEpoch;
    private static readonly DateTimeOffset LatestTime = new(3000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static void MapLogs(this RouteGroupBuilder api)
    {
        api.MapGet("/logs", ListAsync)
            .WithTags("Logs")
            .WithSummary("The request log, newest first, one page at a time.");

        api.MapGet("/logs.csv", ExportAsync)
            .WithTags("Logs")
            .WithSummary("Every request log row that matches the filters, as CSV.")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .Produces<AdminError>(StatusCodes.Status400BadRequest);
    }

    private static async Task<Results<Ok<LogList>, JsonHttpResult<AdminError>>> ListAsync(
        [AsParameters] LogFilter filter, IBooks books, CancellationToken cancellationToken)
    {
        var error = TryParse(filter, out var query);
        if (error is not null)
        {
            return error;
        }

        var page = await books.QueryLogsAsync(query, cancellationToken);
        return TypedResults.Ok(new LogList([.. page.Items.Select(LogRow.From)], page.Total));
    }

    private static async Task ExportAsync(
        HttpContext context, [AsParameters] LogFilter filter, IBooks books, TimeProvider clock)
    {
        var error = TryParse(filter with { Limit = null, Offset = null }, out var query);
        if (error is not null)
        {
            await error.ExecuteAsync(context);
            return;
        }

        // Rows logged while the export runs would shift the pages under it; stop at "now".
        query = query with { To = query.To ?? clock.GetUtcNow(), Limit = MaxLimit };
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = "attachment; filename=\"tokenrouter-requests.csv\"";
        await LogCsv.WriteAsync(context.Response.BodyWriter.AsStream(), books, query, context.RequestAborted);
    }

    internal static JsonHttpResult<AdminError>? TryParse(LogFilter filter, out LogQuery query)
    {
        query = new LogQuery();
        if (filter.TeamId is not null)
        {
            if (!long.TryParse(filter.TeamId, NumberStyles.None, CultureInfo.InvariantCulture, out var teamId))
            {
                return AdminErrors.Invalid("team_id", "team_id must be a team's numeric id.");
            }

            query = query with { TeamId = teamId };
        }

        if (!string.IsNullOrEmpty(filter.Model))
        {
            query = query with { Model = filter.Model };
        }

        if (filter.Status is not null)
        {
            if (!int.TryParse(filter.Status, NumberStyles.None, CultureInfo.InvariantCulture, out var status)
                || status is < 100 or > 599)
            {
                return AdminErrors.Invalid("status", "status must be an HTTP status code (100 to 599).");
            }

            query = query with { Status = status };
        }

        var timeError = TryParseTime("from", filter.From, out var from);
        DateTimeOffset? to = null;
        timeError ??= TryParseTime("to", filter.To, out to);
        if (timeError is not null)
        {
            return timeError;
        }

        if (from is not null && to is not null && from > to)
        {
            return AdminErrors.Invalid("from", "from must not be later than to.");
        }

        query = query with { From = from, To = to };
        if (filter.Limit is not null)
        {
            if (!int.TryParse(filter.Limit, NumberStyles.None, CultureInfo.InvariantCulture, out var limit)
                || limit is < 1 or > MaxLimit)
            {
                return AdminErrors.Invalid("limit", $"limit must be a whole number from 1 to {MaxLimit}.");
            }

            query = query with { Limit = limit };
        }

        if (filter.Offset is not null)
        {
            if (!int.TryParse(filter.Offset, NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                return AdminErrors.Invalid("offset", "offset must be a whole number, 0 or more.");
            }

            query = query with { Offset = offset };
        }

        return null;
    }

    internal static JsonHttpResult<AdminError>? TryParseTime(string param, string? text, out DateTimeOffset? value)
    {
        value = null;
        if (text is null)
        {
            return null;
        }

        if (!IsoTime.TryParse(text, out var parsed))
        {
            return AdminErrors.Invalid(param, $"{param} must be an ISO 8601 date and time, e.g. 2030-01-31T00:00:00Z.");
        }

        if (parsed < EarliestTime || parsed >= LatestTime)
        {
            return AdminErrors.Invalid(param,
                $"{param} must be from 1970-01-01 up to (not including) 3000-01-01.");
        }

        value = parsed;
        return null;
    }
}
