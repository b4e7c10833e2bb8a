using System.Text;

namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// A streamed answer, written exactly as scripted: each <see cref="Raw(byte[])"/> (and each
/// helper built on it) is one write followed by a flush, so a test decides where the bytes
/// are cut. Pauses, a connection reset and the end of the body are steps too. Once the
/// script is used by a response it must not change.
/// </summary>
/// <example>
/// <code>
/// var script = new SseScript()
///     .Data(OpenAiPayloads.ChatChunk("gpt-4o-mini", "Hel"))
///     .Delay(TimeSpan.FromMilliseconds(50))
///     .Raw("data: {\"choi")            // an event cut in the middle
///     .Raw("ces\":[]}\r\n\r\n")
///     .Comment("keep-alive")
///     .Abort();                        // reset instead of [DONE]
/// </code>
/// </example>
public sealed class SseScript
{
    private readonly List<SseStep> _steps = [];

    /// <summary>The steps in order.</summary>
    public IReadOnlyList<SseStep> Steps => _steps;

    /// <summary>Pause after every write of the script (on top of explicit <see cref="Delay"/> steps).</summary>
    public TimeSpan DelayBetweenWrites { get; private set; }

    /// <summary>Every byte the script writes, in order: what a faithful proxy hands its client.</summary>
    public byte[] AllBytes => _steps.OfType<SseStep.Write>().SelectMany(w => w.Bytes).ToArray();

    public string AllText => Encoding.UTF8.GetString(AllBytes);

    /// <summary>True when the script resets the connection instead of ending the body.</summary>
    public bool Aborts => _steps.Any(s => s is SseStep.Reset);

    /// <summary>One write of exactly these bytes.</summary>
    public SseScript Raw(byte[] bytes)
    {
        _steps.Add(new SseStep.Write(bytes.ToArray()));
        return this;
    }

    /// <summary>One write of the UTF-8 bytes of <paramref name="text"/>, line endings untouched.</summary>
    public SseScript Raw(string text) => Raw(Encoding.UTF8.GetBytes(text));

    /// <summary>Cuts the bytes at the offsets: <c>RawSplit(b, 3, 7)</c> writes b[..3], b[3..7], b[7..].</summary>
    public SseScript RawSplit(byte[] bytes, params int[] offsets)
    {
        var start = 0;
        foreach (var offset in offsets.Order())
        {
            if (offset <= start || offset >= bytes.Length)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(offsets), offset, "Cuts must be inside the bytes, ascending.");
            }

            Raw(bytes[start..offset]);
            start = offset;
        }

        return Raw(bytes[start..]);
    }

    public SseScript RawSplit(string text, params int[] byteOffsets) =>
        RawSplit(Encoding.UTF8.GetBytes(text), byteOffsets);

    /// <summary>Writes the bytes in pieces of <paramref name="size"/> bytes (the last may be shorter).</summary>
    public SseScript RawInPieces(byte[] bytes, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        for (var start = 0; start < bytes.Length; start += size)
        {
            Raw(bytes[start..Math.Min(bytes.Length, start + size)]);
        }

        return this;
    }

    public SseScript RawInPieces(string text, int size) => RawInPieces(Encoding.UTF8.GetBytes(text), size);

    /// <summary>One event: <c>data: PAYLOAD</c> plus a blank line, with the chosen line ending.</summary>
    public SseScript Data(string payload, string newline = "\n") => Raw($"data: {payload}{newline}{newline}");

    /// <summary>A named event: <c>event: NAME</c>, <c>data: PAYLOAD</c>, blank line (the Responses API).</summary>
    public SseScript Event(string name, string payload, string newline = "\n") =>
        Raw($"event: {name}{newline}data: {payload}{newline}{newline}");

    /// <summary>A comment line (<c>: TEXT</c>) and a blank line, as providers send to keep a stream alive.</summary>
    public SseScript Comment(string text = "keep-alive", string newline = "\n") =>
        Raw($": {text}{newline}{newline}");

    /// <summary>The closing <c>data: [DONE]</c> event of the chat and completions streams.</summary>
    public SseScript Done(string newline = "\n") => Data("[DONE]", newline);

    /// <summary>An in-band error event, as a provider reports a failure after the stream started.</summary>
    public SseScript Error(string message, string type = "server_error", string? code = null) =>
        Data(OpenAiPayloads.ErrorBody(message, type, code));

    /// <summary>Waits before the next step (the client sees silence).</summary>
    public SseScript Delay(TimeSpan delay)
    {
        _steps.Add(new SseStep.Pause(delay));
        return this;
    }

    /// <summary>
    /// Waits until <paramref name="signal"/> completes: the test decides when the stream goes on,
    /// e.g. only after it has seen the earlier bytes arrive (proof they were not buffered).
    /// </summary>
    public SseScript WaitFor(Task signal)
    {
        _steps.Add(new SseStep.Gate(signal));
        return this;
    }

    /// <summary>Waits <paramref name="delay"/> after every write of the script, so reads see them apart.</summary>
    public SseScript WithDelayBetweenWrites(TimeSpan delay)
    {
        DelayBetweenWrites = delay;
        return this;
    }

    /// <summary>
    /// Resets the connection (<c>HttpContext.Abort()</c>) once the bytes written so far have had
    /// a moment (250 ms) to leave; later steps never run.
    /// </summary>
    public SseScript Abort()
    {
        _steps.Add(new SseStep.Reset());
        return this;
    }

    /// <summary>Each write of the script as text (for asserting event by event).</summary>
    public IReadOnlyList<string> Writes =>
        _steps.OfType<SseStep.Write>().Select(w => Encoding.UTF8.GetString(w.Bytes)).ToList();
}

/// <summary>One step of an <see cref="SseScript"/>.</summary>
public abstract record SseStep
{
    private SseStep()
    {
    }

    public sealed record Write(byte[] Bytes) : SseStep;

    public sealed record Pause(TimeSpan Delay) : SseStep;

    public sealed record Gate(Task Signal) : SseStep;

    public sealed record Reset : SseStep;
}
