using System.Globalization;
using System.Text;

namespace TokenRouter.Cli;

/// <summary>Formatting for values shown in a terminal.</summary>
internal static class Display
{
    /// <summary>
    /// Text safe to print: a team name is chosen by whoever created the team, and an escape
    /// sequence in it must not be able to repaint or retitle the administrator's terminal.
    /// </summary>
    public static string Clean(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var clean = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            clean.Append(char.IsControl(c) ? '?' : c);
        }

        return clean.ToString();
    }

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Number(long? value) => value is { } number ? Number(number) : "-";

    public static string Time(DateTimeOffset? value) =>
        value is { } time ? time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    public static string YesNo(bool value) => value ? "yes" : "no";
}
