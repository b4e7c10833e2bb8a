using System.CommandLine.Parsing;
using System.Globalization;
using TokenRouter.Admin;
using TokenRouter.Quota;

namespace TokenRouter.Cli;

/// <summary>
/// Parsers for the values team commands take. Each one turns a bad value into a parse error
/// naming the option and what it expects, so the command fails before it contacts the server.
/// </summary>
internal static class CliValues
{
    public const string None = "none";

    /// <summary>A token count: digits, optionally grouped in threes with ',' or '_' (1,000,000 or 1_000_000).</summary>
    public static long ParseTokens(ArgumentResult result)
    {
        var text = TextOf(result);
        if (TryParseCount(text, out var tokens))
        {
            return tokens;
        }

        result.AddError($"{NameOf(result)} must be a whole number of tokens, 0 or more; got '{text}'.");
        return 0;
    }

    /// <summary>none, daily, weekly or monthly, in the admin API's spelling.</summary>
    public static string? ParsePeriod(ArgumentResult result)
    {
        var text = TextOf(result);
        if (PeriodNames.TryParse(text, out var period))
        {
            return PeriodNames.Format(period);
        }

        result.AddError($"{NameOf(result)} must be one of: {string.Join(", ", PeriodNames.All)}; got '{text}'.");
        return null;
    }

    /// <summary>A comma list of model names; an empty value means every allowed model.</summary>
    public static string[] ParseModels(ArgumentResult result) =>
        TextOf(result).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A positive per-minute limit up to the server's maximum, or none to remove it.</summary>
    public static Clearable<long>? ParseLimit(ArgumentResult result, string unit)
    {
        var text = TextOf(result);
        if (string.Equals(text, None, StringComparison.OrdinalIgnoreCase))
        {
            return new Clearable<long>(null);
        }

        if (TryParseCount(text, out var limit) && limit is > 0 and <= TeamRateLimits.MaxLimit)
        {
            return new Clearable<long>(limit);
        }

        result.AddError($"{NameOf(result)} must be a whole number of {unit} per minute from 1 to " +
            $"{TeamRateLimits.MaxLimitText}, or {None}; got '{text}'.");
        return null;
    }

    /// <summary>An ISO 8601 time (UTC when it names no offset), or none for a team that never expires.</summary>
    public static Clearable<DateTimeOffset>? ParseExpiry(ArgumentResult result)
    {
        var text = TextOf(result);
        if (string.Equals(text, None, StringComparison.OrdinalIgnoreCase))
        {
            return new Clearable<DateTimeOffset>(null);
        }

        if (IsoTime.TryParse(text, out var time))
        {
            return new Clearable<DateTimeOffset>(time);
        }

        result.AddError($"{NameOf(result)} must be an ISO 8601 date and time such as 2030-01-31T00:00:00Z, " +
            $"or {None}; got '{text}'.");
        return null;
    }

    /// <summary>
    /// Plain digits, or digits in groups of three after the first, separated all by ',' or all by
    /// '_' (1000000, 1,000,000, 1_000_000): a misplaced separator is a typo, not a number.
    /// </summary>
    private static bool TryParseCount(string text, out long count)
    {
        count = 0;
        var separator = text.Contains(',', StringComparison.Ordinal) ? ',' : '_';
        var groups = text.Split(separator);
        var wellGrouped = groups[0].Length is >= 1 and <= 3 || groups.Length == 1;
        for (var i = 1; i < groups.Length && wellGrouped; i++)
        {
            wellGrouped = groups[i].Length == 3;
        }

        return wellGrouped
            && long.TryParse(string.Concat(groups), NumberStyles.None, CultureInfo.InvariantCulture, out count);
    }

    private static string TextOf(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[0].Value : "";

    private static string NameOf(ArgumentResult result) =>
        result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
