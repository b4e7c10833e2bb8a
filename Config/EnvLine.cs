using System.Text;

namespace TokenRouter.Config;

/// <summary>One line of a dotenv file: blank, a comment, or <c>[export ]KEY=VALUE</c>.</summary>
internal readonly record struct EnvLine(string? Key, string? Value, bool Exported, string? Problem)
{
    private static readonly EnvLine Blank = default;

    /// <summary>Parses one line (without its line ending). Problems never quote the value: it may be a secret.</summary>
    public static EnvLine Parse(string line)
    {
        var text = line.TrimStart();
        if (text.Length == 0 || text[0] == '#')
        {
            return Blank;
        }

        var exported = false;
        if (text.StartsWith("export", StringComparison.Ordinal) && text.Length > 6 && text[6] is ' ' or '\t')
        {
            exported = true;
            text = text[7..].TrimStart();
        }

        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            return Failed("expected KEY=VALUE or a # comment");
        }

        var key = text[..equals].Trim();
        if (!IsValidKey(key))
        {
            return Failed($"'{key}' is not a valid key (letters, digits and _, not starting with a digit)");
        }

        var rest = text[(equals + 1)..];
        var trimmed = rest.TrimStart();
        return trimmed.Length > 0 && trimmed[0] is '"' or '\''
            ? ParseQuoted(key, trimmed, exported)
            : new EnvLine(key, ParseUnquoted(rest), exported, null);
    }

    public static bool IsValidKey(string key) =>
        key.Length > 0
        && !char.IsAsciiDigit(key[0])
        && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>Writes <c>KEY=VALUE</c>, quoting the value only when reading it back unquoted would change it.</summary>
    public static string Format(string key, string value)
    {
        if (value.Length > 0 && value.All(IsPlain))
        {
            return $"{key}={value}";
        }

        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        }

        return $"{key}={quoted.Append('"')}";
    }

    private static bool IsPlain(char c) =>
        !char.IsWhiteSpace(c) && !char.IsControl(c) && c is not ('#' or '"' or '\'' or '\\');

    private static EnvLine Failed(string problem) => new(null, null, false, problem);

    private static string ParseUnquoted(string rest)
    {
        // A '#' starts a comment only after whitespace, so "pa#ss" and "#secret" stay values.
        for (var i = 1; i < rest.Length; i++)
        {
            if (rest[i] == '#' && char.IsWhiteSpace(rest[i - 1]))
            {
                return rest[..i].Trim();
            }
        }

        return rest.Trim();
    }

    private static EnvLine ParseQuoted(string key, string text, bool exported)
    {
        var quote = text[0];
        var value = new StringBuilder();
        var i = 1;
        for (; i < text.Length && text[i] != quote; i++)
        {
            if (quote == '"' && text[i] == '\\' && i + 1 < text.Length)
            {
                i++;
                value.Append(text[i] switch
                {
                    'n' => "\n",
                    'r' => "\r",
                    't' => "\t",
                    '"' => "\"",
                    '\\' => "\\",
                    var other => "\\" + other,
                });
                continue;
            }

            value.Append(text[i]);
        }

        if (i >= text.Length)
        {
            return Failed($"the value of {key} opens a {quote} quote but never closes it on this line");
        }

        var after = text[(i + 1)..].TrimStart();
        return after.Length == 0 || after[0] == '#'
            ? new EnvLine(key, value.ToString(), exported, null)
            : Failed($"the value of {key} has text after its closing quote");
    }
}
