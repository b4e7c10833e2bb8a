using System.Buffers;

namespace TokenRouter.Proxy;

/// <summary>One server-sent event: its exact bytes as received, and its data field.</summary>
internal readonly struct SseEvent(ReadOnlyMemory<byte> raw, ReadOnlyMemory<byte> data, bool hasData)
{
    /// <summary>Every byte of the event, its fields, comments and terminating blank line included.</summary>
    public ReadOnlyMemory<byte> Raw { get; } = raw;

    /// <summary>The event's data lines joined with '\n', per the SSE specification.</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;

    /// <summary>False for events made only of comments (keep-alives) or other fields.</summary>
    public bool HasData { get; } = hasData;

    public bool IsDone => HasData && Data.Span.SequenceEqual("[DONE]"u8);
}

/// <summary>
/// Cuts a byte stream into server-sent events as the SSE specification defines them
/// (lines ending in CRLF, LF or CR; an event ends at a blank line; "data" lines joined with
/// LF; comment lines start with ':'), however the bytes were split across reads. Each event
/// keeps its exact bytes so that it can be passed on unchanged.
/// </summary>
/// <remarks>
/// The splitter owns one pooled buffer. Events it returns point into that buffer and stay
/// valid until the next call to <see cref="GetWriteMemory"/>.
/// </remarks>
internal sealed class SseEventSplitter : IDisposable
{
    private const int MinimumRead = 4096;
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
    private readonly ArrayBufferWriter<byte> _joinedData = new();
    private readonly List<Range> _dataLines = [];
    private int _eventStart;
    private int _lineStart;
    private int _end;

    /// <summary>Space to read the next bytes into; moves pending bytes to the front when needed.</summary>
    public Memory<byte> GetWriteMemory(int sizeHint = MinimumRead)
    {
        if (_eventStart > 0)
        {
            var pending = _end - _eventStart;
            _buffer.AsSpan(_eventStart, pending).CopyTo(_buffer);
            for (var i = 0; i < _dataLines.Count; i++)
            {
                var line = _dataLines[i];
                _dataLines[i] = new Range(line.Start.Value - _eventStart, line.End.Value - _eventStart);
            }

            _lineStart -= _eventStart;
            _end = pending;
            _eventStart = 0;
        }

        if (_buffer.Length - _end < Math.Max(sizeHint, MinimumRead))
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _end + sizeHint));
            _buffer.AsSpan(0, _end).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        return _buffer.AsMemory(_end);
    }

    public void Advance(int count) => _end += count;

    /// <summary>Bytes received that do not yet form a whole event.</summary>
    public int PendingBytes => _end - _eventStart;

    /// <summary>
    /// Returns the next complete event. With <paramref name="endOfStream"/>, whatever is left
    /// (an event the provider never terminated) comes out as a last event.
    /// </summary>
    public bool TryReadEvent(bool endOfStream, out SseEvent sseEvent)
    {
        while (true)
        {
            var rest = _buffer.AsSpan(_lineStart, _end - _lineStart);
            var index = rest.IndexOfAny(Cr, Lf);
            if (index < 0)
            {
                return endOfStream && _end > _eventStart ? Dispatch(_end, out sseEvent) : NoEvent(out sseEvent);
            }

            var lineEnd = _lineStart + index;
            var next = lineEnd + 1;
            if (_buffer[lineEnd] == Cr)
            {
                if (next == _end && !endOfStream)
                {
                    return NoEvent(out sseEvent); // CR at the edge of a read: LF may follow
                }

                if (next < _end && _buffer[next] == Lf)
                {
                    next++;
                }
            }

            if (lineEnd == _lineStart)
            {
                _lineStart = next;
                return Dispatch(next, out sseEvent);
            }

            ReadField(_lineStart, lineEnd);
            _lineStart = next;
        }
    }

    private void ReadField(int start, int end)
    {
        var line = _buffer.AsSpan(start, end - start);
        if (line[0] == (byte)':')
        {
            return;
        }

        var colon = line.IndexOf((byte)':');
        var name = colon < 0 ? line : line[..colon];
        if (!name.SequenceEqual("data"u8))
        {
            return;
        }

        var valueStart = colon < 0 ? end : start + colon + 1;
        if (valueStart < end && _buffer[valueStart] == (byte)' ')
        {
            valueStart++;
        }

        _dataLines.Add(new Range(valueStart, end));
    }

    private bool Dispatch(int eventEnd, out SseEvent sseEvent)
    {
        if (eventEnd == _end && _lineStart < _end)
        {
            ReadField(_lineStart, _end); // the unterminated last line at the end of the stream
        }

        var raw = _buffer.AsMemory(_eventStart, eventEnd - _eventStart);
        var hasData = _dataLines.Count > 0;
        ReadOnlyMemory<byte> data;
        if (_dataLines.Count <= 1)
        {
            data = hasData ? _buffer.AsMemory(_dataLines[0]) : ReadOnlyMemory<byte>.Empty;
        }
        else
        {
            _joinedData.ResetWrittenCount();
            for (var i = 0; i < _dataLines.Count; i++)
            {
                if (i > 0)
                {
                    _joinedData.Write("\n"u8);
                }

                _joinedData.Write(_buffer.AsSpan(_dataLines[i]));
            }

            data = _joinedData.WrittenMemory;
        }

        _dataLines.Clear();
        _eventStart = eventEnd;
        _lineStart = Math.Max(_lineStart, eventEnd);
        sseEvent = new SseEvent(raw, data, hasData);
        return true;
    }

    private static bool NoEvent(out SseEvent sseEvent)
    {
        sseEvent = default;
        return false;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
