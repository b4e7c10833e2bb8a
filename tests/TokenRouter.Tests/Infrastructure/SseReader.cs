using System.Text;
using System.Text.Json.Nodes;

namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// Reads server-sent events the way the SSE specification says a client must: lines end in
/// CRLF, LF or CR; bytes and UTF-8 characters may be split anywhere across reads; a blank
/// line ends an event. For tests that read a router's stream event by event (and may stop
/// early, as a client that walks away does).
/// </summary>
public sealed class SseReader(Stream stream)
{
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private readonly byte[] _bytes = new byte[4096];
    private readonly char[] _chars = new char[Encoding.UTF8.GetMaxCharCount(4096)];
    private readonly StringBuilder _line = new();
    private readonly Queue<char> _pending = new();
    private readonly EventBuilder _event = new();
    private bool _lastWasCr;
    private bool _ended;

    /// <summary>True when the stream ended inside an event (whose fields are dropped, as the spec says).</summary>
    public bool EndedMidEvent { get; private set; }

    /// <summary>Every raw byte read so far.</summary>
    public MemoryStream RawBytes { get; } = new();

    /// <summary>Parses a whole stream body at once.</summary>
    public static IReadOnlyList<SseEvent> Parse(byte[] body)
    {
        var reader = new SseReader(new MemoryStream(body));
        return reader.ReadAllAsync().GetAwaiter().GetResult();
    }

    public static IReadOnlyList<SseEvent> Parse(string body) => Parse(Encoding.UTF8.GetBytes(body));

    /// <summary>The next event, or null when the stream has ended.</summary>
    public async Task<SseEvent?> ReadEventAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            while (_pending.TryDequeue(out var c))
            {
                if (Consume(c) is { } ready)
                {
                    return ready;
                }
            }

            if (_ended)
            {
                EndedMidEvent = _line.Length > 0 || _event.HasContent;
                return null;
            }

            var read = await stream.ReadAsync(_bytes, cancellationToken);
            RawBytes.Write(_bytes, 0, read);
            var count = _decoder.GetChars(_bytes, 0, read, _chars, 0, flush: read == 0);
            for (var i = 0; i < count; i++)
            {
                _pending.Enqueue(_chars[i]);
            }

            _ended = read == 0;
        }
    }

    /// <summary>Every remaining event until the stream ends.</summary>
    public async Task<IReadOnlyList<SseEvent>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        var events = new List<SseEvent>();
        while (await ReadEventAsync(cancellationToken) is { } next)
        {
            events.Add(next);
        }

        return events;
    }

    /// <summary>Takes one character; returns an event when a blank line completes one.</summary>
    private SseEvent? Consume(char c)
    {
        if (c == '\n' && _lastWasCr)
        {
            // The LF of a CRLF: the line already ended at the CR.
            _lastWasCr = false;
            return null;
        }

        _lastWasCr = c == '\r';
        if (c is not ('\r' or '\n'))
        {
            _line.Append(c);
            return null;
        }

        var line = _line.ToString();
        _line.Clear();
        return line.Length == 0 ? _event.Dispatch() : _event.Field(line);
    }

    private sealed class EventBuilder
    {
        private readonly List<string> _data = [];
        private readonly List<string> _comments = [];
        private string? _name;
        private string? _id;
        private int? _retry;

        public bool HasContent =>
            _data.Count > 0 || _comments.Count > 0 || _name is not null || _id is not null || _retry is not null;

        public SseEvent? Field(string line)
        {
            if (line.StartsWith(':'))
            {
                _comments.Add(line[1..].TrimStart(' '));
                return null;
            }

            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "data":
                    _data.Add(value);
                    break;
                case "event":
                    _name = value;
                    break;
                case "id" when !value.Contains('\0'):
                    _id = value;
                    break;
                case "retry" when value.Length > 0 && value.All(char.IsAsciiDigit):
                    _retry = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
            }

            return null;
        }

        public SseEvent? Dispatch()
        {
            if (!HasContent)
            {
                return null;
            }

            var data = _data.Count > 0 ? string.Join('\n', _data) : null;
            var ready = new SseEvent(_name, data, _id, _retry, [.. _comments]);
            _data.Clear();
            _comments.Clear();
            _name = null;
            _id = null;
            _retry = null;
            return ready;
        }
    }
}

/// <summary>
/// One event as a client sees it. <see cref="Data"/> is null for a block with no data lines
/// (e.g. only a <c>: keep-alive</c> comment, listed in <see cref="Comments"/>).
/// </summary>
public sealed record SseEvent(string? Event, string? Data, string? Id, int? Retry, IReadOnlyList<string> Comments)
{
    public bool IsDone => Data == "[DONE]";

    /// <summary>The data parsed as JSON; null for no data, <c>[DONE]</c> or non-JSON data.</summary>
    public JsonNode? Json
    {
        get
        {
            if (Data is null || IsDone)
            {
                return null;
            }

            try
            {
                return JsonNode.Parse(Data);
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }
    }
}
