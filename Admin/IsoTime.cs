using System.Globalization;

namespace TokenRouter.Admin;

/// <summary>ISO 8601 times from bodies and query strings; a time without an offset is read as UTC.</summary>
internal static class IsoTime
{
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;

        // DateTimeOffset.TryParse alone also takes "03/04/2026" and "tomorrow"-like forms;
        // insist on the ISO calendar date first, then let it read the rest.
        if (text is null || text.Length < 10 || !IsCalendarDate(text) || (text.Length > 10 && text[10] is not ('T' or 't')))
        {
            return false;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    private static bool IsCalendarDate(string text) =>
        char.IsAsciiDigit(text[0]) && char.IsAsciiDigit(text[1]) && char.IsAsciiDigit(text[2]) && char.IsAsciiDigit(text[3])
        && text[4] == '-' && char.IsAsciiDigit(text[5]) && char.IsAsciiDigit(text[6])
        && text[7] == '-' && char.IsAsciiDigit(text[8]) && char.IsAsciiDigit(text[9]);
}
