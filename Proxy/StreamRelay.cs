using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using TokenRouter.Config;

namespace TokenRouter.Proxy;

/// <summary>
/// Relays a provider's event stream to the client event by event, exactly as received,
/// reading the usage on the way. The one event that may be held back is the usage chunk
/// TokenRouter asked for on the client's behalf; the event carrying the usage (or [DONE])
/// goes out only after the charge is durable.
/// </summary>
internal sealed class StreamRelay(RouterSettings settings, ILogger<StreamRelay> logger)
{
    public async Task RelayAsync(ProxyExchange exchange, HttpResponseMessage response, CancellationTokenSource idle, bool hideUsageChunk)
    {
        var context = exchange.Context;
        var client = context.Response;
        exchange.Status = (int)response.StatusCode;
        client.StatusCode = exchange.Status;
        HeaderRules.CopyToClient(response, client);
        client.Headers.CacheControl = "no-cache";
        client.Headers["X-Accel-Buffering"] = "no"; // tells nginx in front not to buffer the stream
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await client.StartAsync(context.RequestAborted);

        await using var upstream = await response.Content.ReadAsStreamAsync(idle.Token);
        using var splitter = new SseEventSplitter();
        var writer = client.BodyWriter;
        var sawDone = false;
        var sawError = false;
        string? failure = null;
        try
        {
            while (true)
            {
                idle.CancelAfter(settings.UpstreamIdleTimeout);
                var read = await upstream.ReadAsync(splitter.GetWriteMemory(), idle.Token);
                var endOfStream = read == 0;
                splitter.Advance(read);
                while (splitter.TryReadEvent(endOfStream, out var sseEvent))
                {
                    var forward = true;
                    if (sseEvent.IsDone)
                    {
                        sawDone = true;
                        await ChargeBeforeAsync(exchange, writer);
                    }
                    else if (sseEvent.HasData && sseEvent.Data.Span is [(byte)'{', ..])
                    {
                        var inspection = JsonInspector.Inspect(sseEvent.Data.Span, exchange.Usage is null ? exchange.Produced : null);
                        if (inspection.HasError)
                        {
                            // Noted now: the [DONE] that usually follows an in-band error writes the row.
                            sawError = true;
                            exchange.ErrorType = "upstream_stream_error";
                        }

                        if (inspection.Usage is { } usage && exchange.Usage is null)
                        {
                            exchange.Usage = usage;
                            forward = !(hideUsageChunk && inspection.EmptyChoices);
                            await ChargeBeforeAsync(exchange, writer);
                        }
                    }

                    if (forward)
                    {
                        writer.Write(sseEvent.Raw.Span);
                    }
                }

                var flushed = await writer.FlushAsync(context.RequestAborted);
                if (flushed.IsCanceled || flushed.IsCompleted)
                {
                    throw new OperationCanceledException(context.RequestAborted);
                }

                if (endOfStream)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            await idle.CancelAsync(); // stop the provider's work and free its connection
            exchange.Status = 499;
            exchange.ErrorType = "client_disconnected";
            ProxyLog.ClientDisconnected(logger, exchange.Endpoint.Route, exchange.RequestId);
            await exchange.ChargeAsync();
            return;
        }
        catch (OperationCanceledException)
        {
            failure = "provider_timeout";
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            failure = "stream_interrupted";
        }

        var complete = exchange.Endpoint.StreamEndsWithDone ? sawDone : exchange.Usage is not null;
        if (failure is null && !complete && !sawError)
        {
            failure = "stream_incomplete";
        }

        if (failure is null)
        {
            await exchange.ChargeAsync();
            return;
        }

        // The client has the events so far; now it is told, in OpenAI's shape, that no more
        // are coming. No finish_reason is made up: the stream simply ends after the error.
        ProxyLog.StreamFailed(logger, exchange.Endpoint.Route, failure, exchange.RequestId);
        exchange.ErrorType = failure;
        await exchange.ChargeAsync();
        try
        {
            writer.Write(ErrorEvent(exchange.Endpoint, failure));
            await writer.FlushAsync(context.RequestAborted);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client left as well; the books are already written.
        }
    }

    private async Task ChargeBeforeAsync(ProxyExchange exchange, System.IO.Pipelines.PipeWriter writer)
    {
        if (exchange.IsCharged)
        {
            return;
        }

        await writer.FlushAsync(exchange.Context.RequestAborted);
        await exchange.ChargeAsync();
    }

    private byte[] ErrorEvent(ApiEndpoint endpoint, string failure)
    {
        var message = failure switch
        {
            "provider_timeout" => $"The provider sent nothing for {(int)settings.UpstreamIdleTimeout.TotalSeconds} seconds; the stream was ended.",
            "stream_interrupted" => "The provider's stream broke off before it was complete.",
            _ => "The provider's stream ended before it was complete.",
        };
        var buffer = new ArrayBufferWriter<byte>(256);
        var isResponses = endpoint == ApiEndpoint.Responses;
        buffer.Write(isResponses ? "event: error\ndata: "u8 : "data: "u8);
        using (var json = new Utf8JsonWriter(buffer))
        {
            if (isResponses)
            {
                // The Responses API's own error event shape.
                json.WriteStartObject();
                json.WriteString("type", "error");
                json.WriteString("code", failure);
                json.WriteString("message", message);
                json.WriteNull("param");
                json.WriteEndObject();
            }
            else
            {
                new OpenAIError(502, message, "upstream_error", failure).WriteTo(json);
            }
        }

        buffer.Write("\n\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}
