using System.CommandLine.Parsing;
using System.Globalization;
using TokenRouter.Admin;

namespace TokenRouter.Cli;

/// <summary>
/// Parsers for the values team commands take. Each one turns a bad value into a parse error
/// naming the option and what it expects, so the command fails before it contacts the server.
/// </summary>
internal static class CliValues
{
    public const string None = "none";

    /// <summary>A token count: digits, optionally grouped with ',' or '_' (1,000,000 or 1_000_000).</summary>
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

    /// <summary>A positive per-minute limit, or none to remove it; at most <paramref name="max"/>.</summary>
    public static Clearable<long>? ParseLimit(ArgumentResult result, string unit, long max)
    {
        var text = TextOf(result);
        if (string.Equals(text, None, StringComparison.OrdinalIgnoreCase))
        {
            return new Clearable<long>(null);
        }

        if (TryParseCount(text, out var limit) && limit is > 0 && limit <= max)
        {
            return new Clearable<long>(limit);
        }

        result.AddError($"{NameOf(result)} must be a positive whole number of {unit} per minute, or {None}; got '{text}'.");
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

    private static bool TryParseCount(string text, out long count)
    {
        var digits = text.Replace("_", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal);
        count = 0;
        return digits.Length > 0 && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out count);
    }

    private static string TextOf(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[0].Value : "";

    private static string NameOf(ArgumentResult result) =>
        result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
