using System.Text;
using System.Text.Json.Nodes;

namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// What the fake upstream answers one request with: a whole body, a scripted stream, a
/// connection reset, or its default OpenAI-like answer (optionally with other usage numbers,
/// chunks or headers). Immutable: every <c>With...</c> returns a copy.
/// </summary>
/// <example>
/// <code>
/// upstream.On("chat/completions").Once(FakeResponse.Default.WithUsage(new FakeUsage(20, 30)));
/// upstream.On("chat/completions").Once(FakeResponse.Error(429, "Slow down", "requests", "rate_limit_exceeded")
///     .WithHeader("retry-after", "1"));
/// upstream.On("chat/completions").Always(FakeResponse.Sse(s => s.Data("{}").Abort()));
/// </code>
/// </example>
public sealed record FakeResponse
{
    private FakeResponse()
    {
    }

    /// <summary>The default OpenAI-like answer for the request's path (see <see cref="FakeUpstream"/>).</summary>
    public static FakeResponse Default { get; } = new() { IsDefault = true };

    /// <summary>The status; null on a default answer means "whatever the default answer says".</summary>
    public int? Status { get; init; }

    /// <summary>Response headers, applied in order (a later one with the same name wins).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Silence before the status line and headers are sent.</summary>
    public TimeSpan DelayBeforeHeaders { get; init; }

    /// <summary>When set, nothing is sent until this task completes (after the delay).</summary>
    public Task? ReleaseSignal { get; init; }

    public string? ContentType { get; init; }

    /// <summary>A whole body, sent with a Content-Length.</summary>
    public byte[]? Body { get; init; }

    /// <summary>A streamed body (chunked transfer encoding), written step by step.</summary>
    public SseScript? Stream { get; init; }

    /// <summary>Reset the connection instead of answering (after <see cref="DelayBeforeHeaders"/>).</summary>
    public bool ResetBeforeHeaders { get; init; }

    public bool IsDefault { get; private init; }

    /// <summary>Default answers only: the usage numbers to report.</summary>
    public FakeUsage? Usage { get; init; }

    /// <summary>Default answers only: the content pieces to stream (and join for a whole answer).</summary>
    public IReadOnlyList<string>? Chunks { get; init; }

    /// <summary>Default answers only: the pause before each content piece of a stream.</summary>
    public TimeSpan? ChunkDelay { get; init; }

    /// <summary>Default answers only: stream (true) or not (false) whatever the request asked.</summary>
    public bool? ForceStreaming { get; init; }

    /// <summary>Default answers only: send the usage chunk even when the request did not ask for it.</summary>
    public bool AlwaysIncludeUsage { get; init; }

    /// <summary>Default answers only: leave the usage out entirely (a provider that reports none).</summary>
    public bool OmitUsage { get; init; }

    internal Func<RecordedRequest, FakeResponse>? Factory { get; private init; }

    public static FakeResponse Json(string json, int status = 200) => new()
    {
        Status = status,
        ContentType = "application/json",
        Body = Encoding.UTF8.GetBytes(json),
    };

    public static FakeResponse Json(JsonNode json, int status = 200) => Json(json.ToJsonString(), status);

    /// <summary>OpenAI's error shape: <c>Error(429, "Rate limit", "requests", "rate_limit_exceeded")</c>.</summary>
    public static FakeResponse Error(
        int status, string message, string type, string? code = null, string? param = null) =>
        Json(OpenAiPayloads.ErrorBody(message, type, code, param), status);

    public static FakeResponse Bytes(byte[] body, string contentType, int status = 200) => new()
    {
        Status = status,
        ContentType = contentType,
        Body = body.ToArray(),
    };

    public static FakeResponse Text(
        string text, string contentType = "text/plain; charset=utf-8", int status = 200) =>
        Bytes(Encoding.UTF8.GetBytes(text), contentType, status);

    /// <summary>A streamed answer that writes the script (as text/event-stream unless changed).</summary>
    public static FakeResponse Sse(SseScript script, int status = 200) => new()
    {
        Status = status,
        ContentType = "text/event-stream; charset=utf-8",
        Stream = script,
    };

    public static FakeResponse Sse(Action<SseScript> build, int status = 200)
    {
        var script = new SseScript();
        build(script);
        return Sse(script, status);
    }

    /// <summary>No answer at all: the connection is reset before any byte of a response.</summary>
    public static FakeResponse ResetConnection() => new() { ResetBeforeHeaders = true };

    /// <summary>An answer chosen when the request arrives, e.g. from its body.</summary>
    public static FakeResponse From(Func<RecordedRequest, FakeResponse> factory) => new() { Factory = factory };

    public FakeResponse WithStatus(int status) => this with { Status = status };

    public FakeResponse WithHeader(string name, string value) =>
        this with { Headers = [.. Headers, new(name, value)] };

    public FakeResponse WithContentType(string contentType) => this with { ContentType = contentType };

    /// <summary>Waits this long before sending the status line and headers.</summary>
    public FakeResponse WithDelay(TimeSpan delayBeforeHeaders) =>
        this with { DelayBeforeHeaders = delayBeforeHeaders };

    /// <summary>
    /// Holds the answer until <paramref name="signal"/> completes, so a test can keep requests
    /// in flight at the upstream for exactly as long as it needs (no guessed delays).
    /// </summary>
    public FakeResponse HeldUntil(Task signal) => this with { ReleaseSignal = signal };

    public FakeResponse WithUsage(FakeUsage usage) => this with { Usage = usage };

    public FakeResponse WithUsage(long prompt, long completion) => WithUsage(new FakeUsage(prompt, completion));

    public FakeResponse WithChunks(params IEnumerable<string> chunks) => this with { Chunks = chunks.ToArray() };

    public FakeResponse WithChunkDelay(TimeSpan delay) => this with { ChunkDelay = delay };

    /// <summary>Answers a stream request with plain JSON (false), or a plain one with a stream (true).</summary>
    public FakeResponse WithStreaming(bool stream) => this with { ForceStreaming = stream };

    public FakeResponse WithUsageChunkAlways() => this with { AlwaysIncludeUsage = true };

    public FakeResponse WithoutUsage() => this with { OmitUsage = true };

    /// <summary>Turns a default or factory response into the concrete one for the request.</summary>
    internal FakeResponse Resolve(RecordedRequest request, FakeUpstreamDefaults defaults)
    {
        if (Factory is not null)
        {
            return Factory(request).Resolve(request, defaults);
        }

        if (!IsDefault)
        {
            return this;
        }

        var answer = DefaultAnswers.Answer(request, this, defaults);
        return answer with
        {
            Status = Status ?? answer.Status,
            Headers = [.. answer.Headers, .. Headers],
            DelayBeforeHeaders = DelayBeforeHeaders,
            ReleaseSignal = ReleaseSignal,
            ContentType = ContentType ?? answer.ContentType,
        };
    }
}
