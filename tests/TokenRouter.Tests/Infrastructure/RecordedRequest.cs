using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;

namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// One request as the fake upstream received it, and how its answer ended. The request
/// half is fixed once the body is read; the outcome half (<see cref="ClientAborted"/>,
/// <see cref="Finished"/>) fills in while the answer is written.
/// </summary>
public sealed class RecordedRequest
{
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _clientAborted;
    private int _serverAborted;

    internal RecordedRequest(
        int sequence,
        string method,
        string path,
        string query,
        IReadOnlyDictionary<string, StringValues> headers,
        byte[] body,
        DateTimeOffset receivedAt)
    {
        Sequence = sequence;
        Method = method;
        Path = path;
        Query = query;
        Headers = headers;
        Body = body;
        ReceivedAt = receivedAt;
    }

    /// <summary>1 for the first request the fake upstream received, then 2, 3 ...</summary>
    public int Sequence { get; }

    public string Method { get; }

    /// <summary>The full path as received, e.g. <c>/v1/chat/completions</c>.</summary>
    public string Path { get; }

    /// <summary>The query string with its leading '?', or empty.</summary>
    public string Query { get; }

    /// <summary>Every request header, names compared case-insensitively.</summary>
    public IReadOnlyDictionary<string, StringValues> Headers { get; }

    /// <summary>The raw request body, byte for byte.</summary>
    public byte[] Body { get; }

    public DateTimeOffset ReceivedAt { get; }

    /// <summary>Form fields of a multipart or url-encoded body (files not included).</summary>
    public IReadOnlyDictionary<string, string> FormFields { get; internal set; } =
        new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Files of a multipart body.</summary>
    public IReadOnlyList<RecordedFile> FormFiles { get; internal set; } = [];

    /// <summary>The status the fake upstream answered with (0 until it answered).</summary>
    public int ResponseStatus { get; internal set; }

    /// <summary>The headers the fake upstream answered with.</summary>
    public IReadOnlyDictionary<string, string> ResponseHeaders { get; internal set; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// True when the client went away (RequestAborted fired) before the answer was complete:
    /// the way to see that the router cancelled its upstream call.
    /// </summary>
    public bool ClientAborted => Volatile.Read(ref _clientAborted) == 1;

    /// <summary>True when the script itself reset the connection (<see cref="SseScript.Abort"/>).</summary>
    public bool ServerAborted => Volatile.Read(ref _serverAborted) == 1;

    /// <summary>Completes when the fake upstream is done with this request, however it ended.</summary>
    public Task Finished => _finished.Task;

    public DateTimeOffset? FinishedAt { get; private set; }

    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The body parsed as JSON; null when it is empty or not JSON.</summary>
    public JsonNode? Json
    {
        get
        {
            if (Body.Length == 0)
            {
                return null;
            }

            try
            {
                return JsonNode.Parse(Body);
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>The body's <c>model</c> (JSON) or form field <c>model</c> (multipart).</summary>
    public string? Model => FormFields.TryGetValue("model", out var formModel)
        ? formModel
        : Json is JsonObject body && body["model"] is JsonValue value && value.TryGetValue<string>(out var model)
            ? model
            : null;

    /// <summary>True when the body asks for a stream (<c>"stream": true</c>).</summary>
    public bool IsStreaming => Json is JsonObject body && body["stream"] is JsonValue value
        && value.TryGetValue<bool>(out var stream) && stream;

    /// <summary>True when the body has <c>stream_options.include_usage: true</c>.</summary>
    public bool IncludeUsage => Json is JsonObject body && body["stream_options"] is JsonObject options
        && options["include_usage"] is JsonValue value && value.TryGetValue<bool>(out var include) && include;

    /// <summary>The header's values joined with ", ", or null when it was not sent.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var values) ? values.ToString() : null;

    /// <summary>The header the fake upstream answered with, or null.</summary>
    public string? ResponseHeader(string name) => ResponseHeaders.GetValueOrDefault(name);

    public override string ToString() => $"#{Sequence} {Method} {Path}{Query}";

    internal void MarkServerAborted() => Volatile.Write(ref _serverAborted, 1);

    internal void MarkClientAborted()
    {
        if (!ServerAborted)
        {
            Volatile.Write(ref _clientAborted, 1);
        }
    }

    internal void MarkFinished(DateTimeOffset at)
    {
        FinishedAt = at;
        _finished.TrySetResult();
    }
}

/// <summary>A file part of a multipart request body.</summary>
public sealed record RecordedFile(string Name, string FileName, string? ContentType, byte[] Content);
