using System.Globalization;

namespace TokenRouter.Proxy;

/// <summary>
/// The start_date and end_date of GET /v1/dashboard/billing/usage: optional, but when given they
/// must be dates (YYYY-MM-DD) in order, as OpenAI's endpoint wants them.
/// </summary>
internal static class BillingDates
{
    /// <summary>The error to answer with, or null when the dates are absent or fine.</summary>
    public static OpenAIError? Check(IQueryCollection query)
    {
        if (!TryRead(query, "start_date", out var start))
        {
            return NotADate("start_date");
        }

        if (!TryRead(query, "end_date", out var end))
        {
            return NotADate("end_date");
        }

        return start > end
            ? OpenAIError.BadRequest("'start_date' must not be after 'end_date'.", "start_date")
            : null;
    }

    private static OpenAIError NotADate(string name) =>
        OpenAIError.BadRequest($"'{name}' must be one date in the form YYYY-MM-DD.", name);

    /// <summary>False when the parameter is there but is not one date; an absent one reads as null.</summary>
    private static bool TryRead(IQueryCollection query, string name, out DateOnly? date)
    {
        date = null;
        if (!query.TryGetValue(name, out var values))
        {
            return true;
        }

        if (values.Count == 1
            && DateOnly.TryParseExact(values[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            date = parsed;
            return true;
        }

        return false;
    }
}
