using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace TokenRouter.Bench.Upstream;

/// <summary>
/// Answers chat completions from bytes made once at start-up, so that the fake provider
/// costs as little CPU as possible and every proxy is measured against the same answer.
/// Counts what it answered, for the benchmark to compare with TokenRouter's books.
/// </summary>
internal sealed class ChatReplies
{
    public const int PromptTokens = 12;
    public const int CompletionTokens = 20;
    public const int TotalTokens = PromptTokens + CompletionTokens;
    private const int Chunks = CompletionTokens;
    private const string Head = """{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench",""";
    private const string ChunkHead = """data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench",""";
    private const string Usage = "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":20,\"total_tokens\":32}";

    private static readonly byte[] Completion = Encoding.UTF8.GetBytes(
        Head + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + Words() +
        "\"},\"finish_reason\":\"stop\"}]," + Usage + "}");

    private static readonly byte[][] StreamChunks = Enumerable.Range(0, Chunks).Select(ChunkBytes).ToArray();
    private static readonly byte[] UsageChunk = Encoding.UTF8.GetBytes(ChunkHead + "\"choices\":[]," + Usage + "}\n\n");
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    private long _completions;
    private long _streams;

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) && request.Path == "/bench/stats")
        {
            await WriteStatsAsync(context.Response);
            return;
        }

        if (!HttpMethods.IsPost(request.Method) || !request.Path.Value!.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var shape = await ReadShapeAsync(request.BodyReader);
        context.Response.Headers["x-request-id"] = "req_bench_upstream";
        if (shape.Stream)
        {
            await StreamAsync(context.Response, shape);
            Interlocked.Increment(ref _streams);
            return;
        }

        if (shape.DelayMs > 0)
        {
            await Task.Delay(shape.DelayMs);
        }

        context.Response.ContentType = "application/json";
        context.Response.ContentLength = Completion.Length;
        await context.Response.Body.WriteAsync(Completion);
        Interlocked.Increment(ref _completions);
    }

    /// <summary>
    /// Twenty content chunks, each at least the delay after the one before, then the usage
    /// chunk when asked for, then [DONE]. Every chunk is flushed on its own, as a provider
    /// does. A timer that fires late makes a longer gap, never a shorter one, so a gap well
    /// under the delay at the client means something on the way held two chunks together.
    /// </summary>
    private static async Task StreamAsync(HttpResponse response, RequestShape shape)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var writer = response.BodyWriter;
        for (var i = 0; i < Chunks; i++)
        {
            if (shape.DelayMs > 0)
            {
                await Task.Delay(shape.DelayMs);
            }

            await writer.WriteAsync(StreamChunks[i]);
        }

        if (shape.IncludeUsage)
        {
            await writer.WriteAsync(UsageChunk);
        }

        await writer.WriteAsync(Done);
    }

    private static async Task<RequestShape> ReadShapeAsync(PipeReader reader)
    {
        while (true)
        {
            var result = await reader.ReadAsync();
            if (!result.IsCompleted)
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                continue;
            }

            var shape = result.Buffer.IsSingleSegment
                ? RequestShape.Read(result.Buffer.FirstSpan)
                : RequestShape.Read(result.Buffer.ToArray());
            reader.AdvanceTo(result.Buffer.End);
            return shape;
        }
    }

    private Task WriteStatsAsync(HttpResponse response)
    {
        response.ContentType = "application/json";
        return response.WriteAsync(
            $$"""{"completions":{{Interlocked.Read(ref _completions)}},"streams":{{Interlocked.Read(ref _streams)}},""" +
            $$"""
            "total_tokens_per_request":{{TotalTokens}}}
            """);
    }

    private static string Words() => string.Join(' ', Enumerable.Range(0, Chunks).Select(i => "word" + i));

    private static byte[] ChunkBytes(int index)
    {
        var choice = index switch
        {
            0 => """{"index":0,"delta":{"role":"assistant","content":"word0"},"finish_reason":null}""",
            Chunks - 1 => """{"index":0,"delta":{},"finish_reason":"stop"}""",
            _ => $$"""{"index":0,"delta":{"content":" word{{index}}"},"finish_reason":null}""",
        };
        return Encoding.UTF8.GetBytes(ChunkHead + "\"choices\":[" + choice + "]}\n\n");
    }
}
