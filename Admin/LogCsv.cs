using System.Globalization;
using System.Text;
using TokenRouter.Storage;

namespace TokenRouter.Admin;

/// <summary>
/// The request log as RFC 4180 CSV, written page by page so an export of any size streams.
/// Text cells are made safe for spreadsheets: one that starts like a formula gets a leading
/// apostrophe, since team names and the request's <c>user</c> field come from outside.
/// </summary>
internal static class LogCsv
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "request_id", "started_at", "team_id", "team_name", "model", "endpoint", "stream", "status",
        "prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens", "reasoning_tokens",
        "estimated", "duration_ms", "upstream_request_id", "error_type", "end_user",
    ];

    public static async Task WriteAsync(Stream output, IBooks books, LogQuery query, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), bufferSize: 16 * 1024, leaveOpen: true);
        writer.NewLine = "\r\n";
        await writer.WriteLineAsync(string.Join(',', Columns));

        var offset = 0;
        while (true)
        {
            var page = await books.QueryLogsAsync(query with { Offset = offset }, cancellationToken);
            foreach (var entry in page.Items)
            {
                await writer.WriteLineAsync(FormatRow(entry));
            }

            await writer.FlushAsync(cancellationToken);
            offset += page.Items.Count;
            if (page.Items.Count < query.Limit || page.Items.Count == 0)
            {
                return;
            }
        }
    }

    internal static string FormatRow(LogEntry entry)
    {
        var r = entry.Record;
        var line = new StringBuilder(256);
        Text(line, r.RequestId);
        Raw(line, r.StartedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        Raw(line, r.TeamId);
        Text(line, entry.TeamName);
        Text(line, r.Model);
        Text(line, r.Endpoint);
        Raw(line, r.Stream ? "true" : "false");
        Raw(line, r.Status);
        Raw(line, r.PromptTokens);
        Raw(line, r.CompletionTokens);
        Raw(line, r.TotalTokens);
        Raw(line, r.CachedTokens);
        Raw(line, r.ReasoningTokens);
        Raw(line, r.Estimated ? "true" : "false");
        Raw(line, r.DurationMs);
        Text(line, r.UpstreamRequestId);
        Text(line, r.ErrorType);
        Text(line, r.EndUser);
        return line.ToString(1, line.Length - 1); // without the first cell's leading comma
    }

    /// <summary>A cell whose value may hold anything: defused against formulas, then quoted if needed.</summary>
    internal static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        // =, +, - and @ start formulas in common spreadsheets; tab and carriage return can too.
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }

    private static void Text(StringBuilder line, string? value) => line.Append(',').Append(Escape(value));

    private static void Raw(StringBuilder line, string value) => line.Append(',').Append(value);

    private static void Raw(StringBuilder line, long value) =>
        line.Append(',').Append(value.ToString(CultureInfo.InvariantCulture));
}
