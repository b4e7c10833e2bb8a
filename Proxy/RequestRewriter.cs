using System.Buffers;
using System.Text;

namespace TokenRouter.Proxy;

/// <summary>
/// Makes the two edits TokenRouter ever makes to a request body, as byte splices that leave
/// every other byte as the client sent it: the model's configured spelling, and
/// stream_options.include_usage = true on streams, so that streams report their usage.
/// </summary>
internal static class RequestRewriter
{
    private static readonly byte[] IncludeUsageObject = """{"include_usage":true}"""u8.ToArray();
    private static readonly byte[] TrueLiteral = "true"u8.ToArray();

    /// <summary>
    /// Returns the body to forward: <paramref name="body"/> itself when nothing changes,
    /// else a new buffer rented from the shared pool (the caller returns it).
    /// </summary>
    public static (byte[] Buffer, int Length, bool Rented) Rewrite(
        byte[] body, int length, RequestFacts facts, string? configuredModel, bool askForUsage)
    {
        var splices = new Splice[2];
        var count = 0;

        if (configuredModel is not null && facts.Model is not null && !string.Equals(configuredModel, facts.Model, StringComparison.Ordinal))
        {
            splices[count++] = new Splice(facts.ModelToken, Encoding.UTF8.GetBytes(Quote(configuredModel)));
        }

        if (askForUsage && !facts.ClientWantsStreamUsage)
        {
            splices[count++] = StreamUsageSplice(facts);
        }

        if (count == 0)
        {
            return (body, length, false);
        }

        Array.Sort(splices, 0, count, SpliceOrder.Instance);
        var size = length;
        foreach (var splice in splices.AsSpan(0, count))
        {
            size += splice.Replacement.Length - (splice.End - splice.Start);
        }

        var output = ArrayPool<byte>.Shared.Rent(size);
        var read = 0;
        var written = 0;
        foreach (var splice in splices.AsSpan(0, count))
        {
            body.AsSpan(read, splice.Start - read).CopyTo(output.AsSpan(written));
            written += splice.Start - read;
            splice.Replacement.CopyTo(output.AsSpan(written));
            written += splice.Replacement.Length;
            read = splice.End;
        }

        body.AsSpan(read, length - read).CopyTo(output.AsSpan(written));
        written += length - read;
        return (output, written, true);
    }

    private static Splice StreamUsageSplice(RequestFacts facts)
    {
        switch (facts.StreamOptions)
        {
            case StreamOptionsShape.Absent:
                var at = facts.BodyObjectStart;
                return new Splice(at, at, Encoding.UTF8.GetBytes("\"stream_options\":{\"include_usage\":true},"));
            case StreamOptionsShape.Null:
                return new Splice(facts.StreamOptionsToken, IncludeUsageObject);
            default:
                if (facts.IncludeUsageValue is { } value)
                {
                    return new Splice(value, TrueLiteral);
                }

                var inside = facts.StreamOptionsToken.Start.Value + 1;
                var member = facts.StreamOptionsHasProperties ? "\"include_usage\":true," : "\"include_usage\":true";
                return new Splice(inside, inside, Encoding.UTF8.GetBytes(member));
        }
    }

    private static string Quote(string value) =>
        System.Text.Json.JsonSerializer.Serialize(value, ProxyJsonContext.Default.String);

    private sealed class SpliceOrder : IComparer<Splice>
    {
        public static readonly SpliceOrder Instance = new();

        public int Compare(Splice x, Splice y) => x.Start.CompareTo(y.Start);
    }

    private readonly record struct Splice(int Start, int End, byte[] Replacement)
    {
        public Splice(Range range, byte[] replacement) : this(range.Start.Value, range.End.Value, replacement)
        {
        }
    }
}
