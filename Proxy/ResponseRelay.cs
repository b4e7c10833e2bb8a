using System.Buffers;
using System.Text;
using System.Text.Json;
using TokenRouter.Config;

namespace TokenRouter.Proxy;

/// <summary>
/// Brings the provider's answer back to the client: an error as an OpenAI error, a JSON
/// body whole, anything else byte for byte, and an event stream event by event through
/// <see cref="StreamRelay"/>. The charge is made durable before the client gets the last byte.
/// </summary>
internal sealed class ResponseRelay(
    RouterSettings settings, StreamRelay streams, ILogger<ResponseRelay> logger)
{
    private const int MaxErrorBody = 1024 * 1024;
    private const int MaxJsonBody = 256 * 1024 * 1024;

    public async Task RelayAsync(ProxyExchange exchange, HttpResponseMessage response, CancellationTokenSource idle, bool hideUsageChunk)
    {
        var status = (int)response.StatusCode;
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        var isEventStream = mediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase);
        var isJson = mediaType.Contains("json", StringComparison.OrdinalIgnoreCase);
        try
        {
            if (status >= 400)
            {
                await RelayProviderErrorAsync(exchange, response, idle);
            }
            else if (isEventStream && exchange.Facts.Stream)
            {
                await streams.RelayAsync(exchange, response, idle, hideUsageChunk);
            }
            else if (isEventStream || (isJson && exchange.Facts.Stream && AlwaysStreamsWhenAsked(exchange.Endpoint)))
            {
                await RefuseMismatchAsync(exchange, response, idle, isEventStream);
            }
            else if (isJson)
            {
                await RelayJsonAsync(exchange, response, idle);
            }
            else
            {
                await RelayBytesAsync(exchange, response, idle);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            await FailAsync(exchange, e);
        }
    }

    /// <summary>
    /// The APIs whose answer to "stream": true is always a stream, so plain JSON there means a
    /// broken provider. Elsewhere (moderations, embeddings, images, audio, endpoints the operator
    /// opened) the provider decides whether it streams, and its JSON answer is the right one.
    /// </summary>
    private static bool AlwaysStreamsWhenAsked(ApiEndpoint endpoint) =>
        endpoint == ApiEndpoint.ChatCompletions
        || endpoint == ApiEndpoint.Completions
        || endpoint == ApiEndpoint.Responses;

    private async Task RelayJsonAsync(ProxyExchange exchange, HttpResponseMessage response, CancellationTokenSource idle)
    {
        var (body, length) = await ReadAllAsync(response, idle, MaxJsonBody);
        try
        {
            var inspection = JsonInspector.Inspect(body.AsSpan(0, length), exchange.Produced);
            exchange.Usage = inspection.Usage;
            exchange.Status = (int)response.StatusCode;
            await exchange.ChargeAsync();

            var client = exchange.Context.Response;
            client.StatusCode = exchange.Status;
            HeaderRules.CopyToClient(response, client);
            client.ContentLength = length;
            await client.Body.WriteAsync(body.AsMemory(0, length), exchange.Context.RequestAborted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>Audio and other binary bodies: passed on as they come, all but the last read.</summary>
    private async Task RelayBytesAsync(ProxyExchange exchange, HttpResponseMessage response, CancellationTokenSource idle)
    {
        var client = exchange.Context.Response;
        exchange.Status = (int)response.StatusCode;
        client.StatusCode = exchange.Status;
        HeaderRules.CopyToClient(response, client);
        if (response.Content.Headers.ContentLength is { } contentLength)
        {
            client.ContentLength = contentLength;
        }

        await using var upstream = await response.Content.ReadAsStreamAsync(idle.Token);
        var current = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var held = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var heldLength = 0;
        try
        {
            while (true)
            {
                idle.CancelAfter(settings.UpstreamIdleTimeout);
                var read = await upstream.ReadAsync(current, idle.Token);
                if (read == 0)
                {
                    break;
                }

                if (heldLength > 0)
                {
                    await client.Body.WriteAsync(held.AsMemory(0, heldLength), exchange.Context.RequestAborted);
                }

                (current, held, heldLength) = (held, current, read);
            }

            // The provider reports no tokens for bytes: the estimate is the input it was given.
            await exchange.ChargeAsync();
            await client.Body.WriteAsync(held.AsMemory(0, heldLength), exchange.Context.RequestAborted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(held);
        }
    }

    private async Task RelayProviderErrorAsync(ProxyExchange exchange, HttpResponseMessage response, CancellationTokenSource idle)
    {
        var status = (int)response.StatusCode;
        var (body, length) = await ReadAllAsync(response, idle, MaxErrorBody);
        try
        {
            exchange.Status = status;
            exchange.NothingToCharge = true;
            exchange.ErrorType = "upstream_error";
            ProxyLog.ProviderError(logger, exchange.Endpoint.Route, status, exchange.RequestId);
            await exchange.ChargeAsync();

            var client = exchange.Context.Response;
            if (IsOpenAIError(body.AsSpan(0, length)) && !SpeaksOfTheProviderKey(status, body.AsSpan(0, length)))
            {
                client.StatusCode = status;
                HeaderRules.CopyToClient(response, client);
                client.ContentType = "application/json";
                client.ContentLength = length;
                await client.Body.WriteAsync(body.AsMemory(0, length), exchange.Context.RequestAborted);
                return;
            }

            // An HTML page or plain text from a load balancer, or the provider's word on
            // TokenRouter's own key: same status, OpenAI's shape, our words.
            var error = status == StatusCodes.Status401Unauthorized
                ? new OpenAIError(
                    status,
                    "The provider refused TokenRouter's own API key; ask your TokenRouter admin to check PROVIDER_API_KEY.",
                    "upstream_error",
                    "provider_auth_failed")
                : new OpenAIError(status, $"The provider answered {status} {response.ReasonPhrase}.".TrimEnd(),
                    status >= 500 ? "upstream_error" : "invalid_request_error", "provider_error");
            CopyRateLimitHeaders(response, client);
            await error.WriteAsync(client);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>
    /// A provider's 401 is about TokenRouter's key, never the team's (team tokens stop here),
    /// and providers quote the key they were sent, whole or in part, in such errors. Those
    /// bodies, and any other that holds the key, are not passed on.
    /// </summary>
    private bool SpeaksOfTheProviderKey(int status, ReadOnlySpan<byte> body)
    {
        if (status == StatusCodes.Status401Unauthorized)
        {
            return true;
        }

        var key = Encoding.UTF8.GetBytes(settings.ProviderApiKey);
        return key.Length > 0 && body.IndexOf(key) >= 0;
    }

    /// <summary>
    /// The provider streamed a request that did not ask for a stream, or the reverse. The
    /// work is charged; the client gets a clear error rather than a body its SDK cannot read.
    /// </summary>
    private async Task RefuseMismatchAsync(ProxyExchange exchange, HttpResponseMessage response, CancellationTokenSource idle, bool isEventStream)
    {
        var (body, length) = await ReadAllAsync(response, idle, MaxJsonBody);
        try
        {
            if (isEventStream)
            {
                using var splitter = new SseEventSplitter();
                body.AsSpan(0, length).CopyTo(splitter.GetWriteMemory(length).Span);
                splitter.Advance(length);
                while (splitter.TryReadEvent(endOfStream: true, out var sseEvent))
                {
                    if (sseEvent.HasData && !sseEvent.IsDone)
                    {
                        var inspection = JsonInspector.Inspect(sseEvent.Data.Span, exchange.Usage is null ? exchange.Produced : null);
                        exchange.Usage ??= inspection.Usage;
                    }
                }
            }
            else
            {
                exchange.Usage = JsonInspector.Inspect(body.AsSpan(0, length), exchange.Produced).Usage;
            }

            var error = OpenAIError.BadProviderResponse(isEventStream
                ? "The provider answered with a stream although the request did not ask for one (stream: false)."
                : "The provider answered a streaming request (stream: true) with a single JSON response.");
            exchange.Status = error.Status;
            exchange.ErrorType = "stream_mismatch";
            await exchange.ChargeAsync();
            await error.WriteAsync(exchange.Context.Response);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private async Task FailAsync(ProxyExchange exchange, Exception failure)
    {
        var context = exchange.Context;
        if (context.RequestAborted.IsCancellationRequested)
        {
            exchange.Status = 499;
            exchange.ErrorType = "client_disconnected";
            ProxyLog.ClientDisconnected(logger, exchange.Endpoint.Route, exchange.RequestId);
            await exchange.ChargeAsync();
            return;
        }

        var error = failure is OperationCanceledException
            ? OpenAIError.ProviderTimeout(settings.UpstreamIdleTimeout)
            : OpenAIError.BadProviderResponse("The provider's response was cut off.");
        exchange.ErrorType = failure is OperationCanceledException ? "provider_timeout" : "provider_response_cut";
        ProxyLog.StreamFailed(logger, exchange.Endpoint.Route, exchange.ErrorType, exchange.RequestId);
        if (context.Response.HasStarted)
        {
            // Bytes already went out: the only honest ending left is a broken connection.
            exchange.Status = context.Response.StatusCode;
            await exchange.ChargeAsync();
            context.Abort();
            return;
        }

        exchange.Status = error.Status;
        await exchange.ChargeAsync();
        context.Response.Headers.Clear();
        context.Response.Headers[RequestIds.Header] = exchange.RequestId;
        await error.WriteAsync(context.Response);
    }

    private async Task<(byte[] Body, int Length)> ReadAllAsync(HttpResponseMessage response, CancellationTokenSource idle, int limit)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(idle.Token);
        var expected = response.Content.Headers.ContentLength ?? 16 * 1024;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(expected + 1, 1024, limit));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= limit)
                    {
                        throw new IOException($"The provider's response is larger than {limit} bytes.");
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                idle.CancelAfter(settings.UpstreamIdleTimeout);
                var read = await stream.ReadAsync(buffer.AsMemory(length), idle.Token);
                if (read == 0)
                {
                    return (buffer, length);
                }

                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static bool IsOpenAIError(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isError = reader.ValueTextEquals("error"u8);
                reader.Read();
                if (isError)
                {
                    return reader.TokenType == JsonTokenType.StartObject;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    private static void CopyRateLimitHeaders(HttpResponseMessage from, HttpResponse to)
    {
        foreach (var (name, values) in from.Headers.NonValidated)
        {
            if (name.StartsWith("x-ratelimit-", StringComparison.OrdinalIgnoreCase)
                || name.Equals("retry-after", StringComparison.OrdinalIgnoreCase))
            {
                to.Headers[name] = values.ToString();
            }
        }
    }
}
