using System.Buffers.Text;

namespace TokenRouter.Bench.Upstream;

/// <summary>
/// What the fake provider needs from a chat request, found by scanning the raw bytes (the
/// benchmark's bodies are small and compact): stream, stream_options.include_usage, and a
/// delay taken from the model name. A model ending in "-20ms" is answered after 20 ms, or
/// streamed one chunk every 20 ms; any other model is answered at once. The model selects
/// the delay so that one TokenRouter, with one provider URL and one set of books, can be
/// driven through every scenario; both proxies forward the body untouched.
/// </summary>
internal readonly record struct RequestShape(bool Stream, bool IncludeUsage, int DelayMs)
{
    public static RequestShape Read(ReadOnlySpan<byte> body) => new(
        IsTrue(body, "\"stream\""u8),
        IsTrue(body, "\"include_usage\""u8),
        DelayOf(StringValue(body, "\"model\""u8)));

    private static bool IsTrue(ReadOnlySpan<byte> body, ReadOnlySpan<byte> key) =>
        ValueAfter(body, key).StartsWith("true"u8);

    private static ReadOnlySpan<byte> StringValue(ReadOnlySpan<byte> body, ReadOnlySpan<byte> key)
    {
        var value = ValueAfter(body, key);
        if (value is not [(byte)'"', ..])
        {
            return default;
        }

        var end = value[1..].IndexOf((byte)'"');
        return end < 0 ? default : value.Slice(1, end);
    }

    /// <summary>The bytes after <c>key</c>, its colon and any blanks; empty when the key is absent.</summary>
    private static ReadOnlySpan<byte> ValueAfter(ReadOnlySpan<byte> body, ReadOnlySpan<byte> key)
    {
        var at = body.IndexOf(key);
        if (at < 0)
        {
            return default;
        }

        var rest = body[(at + key.Length)..].TrimStart(" \t\r\n"u8);
        return rest is [(byte)':', ..] ? rest[1..].TrimStart(" \t\r\n"u8) : default;
    }

    private static int DelayOf(ReadOnlySpan<byte> model)
    {
        if (!model.EndsWith("ms"u8))
        {
            return 0;
        }

        var digits = model[..^2];
        var start = digits.LastIndexOf((byte)'-') + 1;
        return Utf8Parser.TryParse(digits[start..], out int delay, out var used) && used == digits.Length - start
            ? Math.Clamp(delay, 0, 60_000)
            : 0;
    }
}
