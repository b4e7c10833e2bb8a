using System.Text;

namespace TokenRouter.Proxy;

/// <summary>
/// Finds the small text fields of a multipart/form-data body (model, stream, prompt) without
/// copying it, so that the body can be forwarded byte for byte and the model spelling fixed
/// in place.
/// </summary>
internal static class MultipartFields
{
    private const int MaxFieldBytes = 64 * 1024;

    /// <summary>The byte range of the named field's value, or null.</summary>
    public static Range? Find(ReadOnlySpan<byte> body, string boundary, string name)
    {
        var delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        var disposition = Encoding.ASCII.GetBytes($"name=\"{name}\"");
        var position = 0;
        while (true)
        {
            var found = body[position..].IndexOf(delimiter);
            if (found < 0)
            {
                return null;
            }

            var partStart = position + found + delimiter.Length;
            var headersEnd = body[partStart..].IndexOf("\r\n\r\n"u8);
            if (headersEnd < 0)
            {
                return null;
            }

            var headers = body.Slice(partStart, headersEnd);
            var valueStart = partStart + headersEnd + 4;
            var next = body[valueStart..].IndexOf(delimiter);
            if (next < 0)
            {
                return null;
            }

            if (ContainsName(headers, disposition) && headers.IndexOf("filename="u8) < 0)
            {
                var valueEnd = valueStart + next - 2; // the CRLF before the delimiter
                return valueEnd >= valueStart && valueEnd - valueStart <= MaxFieldBytes
                    ? new Range(valueStart, valueEnd)
                    : null;
            }

            position = valueStart + next;
        }
    }

    public static string? ReadString(ReadOnlySpan<byte> body, string boundary, string name) =>
        Find(body, boundary, name) is { } range ? Encoding.UTF8.GetString(body[range]) : null;

    /// <summary>
    /// The body with the named field's value replaced (a new pooled buffer), or the body
    /// itself when the value is already that.
    /// </summary>
    public static (byte[] Buffer, int Length, bool Rented) Replace(
        byte[] body, int length, string boundary, string name, string value)
    {
        var span = body.AsSpan(0, length);
        if (Find(span, boundary, name) is not { } range || span[range].SequenceEqual(Encoding.UTF8.GetBytes(value)))
        {
            return (body, length, false);
        }

        var replacement = Encoding.UTF8.GetBytes(value);
        var (start, end) = (range.Start.Value, range.End.Value);
        var size = length - (end - start) + replacement.Length;
        var output = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
        span[..start].CopyTo(output);
        replacement.CopyTo(output.AsSpan(start));
        span[end..].CopyTo(output.AsSpan(start + replacement.Length));
        return (output, size, true);
    }

    private static bool ContainsName(ReadOnlySpan<byte> headers, ReadOnlySpan<byte> disposition)
    {
        var at = headers.IndexOf(disposition);
        // "name=" must not be the tail of "filename=".
        return at == 0 || at > 0 && headers[at - 1] is (byte)' ' or (byte)';';
    }
}
