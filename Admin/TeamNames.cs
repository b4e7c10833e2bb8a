using System.Globalization;
using System.Text;

namespace TokenRouter.Admin;

/// <summary>
/// What a team name may hold. It is shown in the panel, the CLI and the logs, so it must read
/// the same everywhere: no control characters, and no invisible format characters (zero-width
/// spaces, bidi overrides) that could hide or reorder what the name appears to say.
/// </summary>
internal static class TeamNames
{
    /// <summary>The longest name, in user-perceived characters: an emoji counts as one, as people count it.</summary>
    public const int MaxLength = 64;

    /// <summary>What is wrong with a (trimmed) name, or null when it is fine.</summary>
    public static string? Check(string name)
    {
        var length = new StringInfo(name).LengthInTextElements;
        if (length is 0 or > MaxLength)
        {
            return $"name must be 1 to {MaxLength} characters long (spaces around it do not count).";
        }

        var visible = false;
        var elements = StringInfo.GetTextElementEnumerator(name);
        while (elements.MoveNext())
        {
            var element = elements.GetTextElement();
            foreach (var rune in element.EnumerateRunes())
            {
                switch (Rune.GetUnicodeCategory(rune))
                {
                    case UnicodeCategory.Control:
                        return "name must not contain control characters (line breaks, tabs, ...).";

                    // Joiners and tags are part of emoji such as families and flags; anywhere else they hide.
                    case UnicodeCategory.Format when !IsEmoji(element):
                        return $"name must not contain invisible formatting characters (found U+{rune.Value:X4}).";

                    case UnicodeCategory.Format or UnicodeCategory.SpaceSeparator:
                        break;
                    default:
                        visible = true;
                        break;
                }
            }
        }

        return visible ? null : "name must contain at least one visible character.";
    }

    private static bool IsEmoji(string element)
    {
        foreach (var rune in element.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.OtherSymbol)
            {
                return true;
            }
        }

        return false;
    }
}
