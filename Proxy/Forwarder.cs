using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using TokenRouter.Config;
using TokenRouter.Quota;
using TokenRouter.Storage;

namespace TokenRouter.Proxy;

/// <summary>
/// The forwarding path of every /v1 endpoint that reaches the provider.
/// </summary>
/// <remarks>
/// Steps: (1) authenticate the team; (2) read the body within the size limit; (3) read the
/// model, stream flags and output limit from it; (4) check the model; (5) reserve the worst
/// case against the team's quota; (6) send the request with the provider's key; (7) relay
/// the response, whole or as a stream; (8) charge the real usage, exactly once, before the
/// client receives the last byte. Every refusal before step 6 is an OpenAI-shaped error.
/// </remarks>
internal sealed class Forwarder(
    HttpClient provider,
    RouterSettings settings,
    TeamAuthenticator authenticator,
    ModelCatalog models,
    TokenEstimator estimator,
    IBooks books,
    QuotaGate gate,
    UsageCharger charger,
    ResponseRelay relay,
    ProviderHealth health,
    TimeProvider clock,
    ILogger<Forwarder> logger)
{
    public async Task ForwardAsync(HttpContext context, ApiEndpoint endpoint)
    {
        // 1. Authenticate: no row in the books for strangers.
        var account = authenticator.Authenticate(context.Request, out var authError);
        if (account is null)
        {
            await authError!.WriteAsync(context.Response);
            return;
        }

        var exchange = new ProxyExchange(context, account, endpoint, clock.GetUtcNow(), charger);
        if (!books.IsWritable)
        {
            ProxyLog.BooksUnavailable(logger, endpoint.Route, exchange.RequestId);
            await OpenAIError.Unavailable("TokenRouter cannot record usage right now; try again shortly.")
                .WriteAsync(context.Response);
            return;
        }

        byte[]? body = null;
        var bodyLength = 0;
        try
        {
            // 2. Read the body, bounded: nothing oversized reaches the provider. A body that
            //    breaks HTTP's framing or trickles in below Kestrel's minimum rate is refused as
            //    the client's fault, and its row says so.
            try
            {
                (body, bodyLength) = await ReadBodyAsync(context.Request);
            }
            catch (BadHttpRequestException unreadable)
            {
                await RefuseAsync(exchange, OpenAIError.Unreadable(unreadable));
                return;
            }

            if (body is null)
            {
                await RefuseAsync(exchange, OpenAIError.TooLarge(settings.MaxRequestBodyBytes));
                return;
            }

            // 3-4. Read what matters from the body and check the model.
            var kind = BodyKindOf(endpoint, context.Request);
            var preparation = Prepare(exchange, kind, body, bodyLength);
            if (preparation is not null)
            {
                await RefuseAsync(exchange, preparation);
                return;
            }

            // 5. Check the team's rate limits and reserve its worst case: a request that cannot
            //    fit never reaches the provider.
            var decision = await gate.AdmitAsync(account, exchange.Facts.PromptTokens, exchange.Facts.MaxOutputTokens);
            if (decision.RateRefusal is { } rate)
            {
                RateLimitHeaders.Write(context.Response, rate);
                await RefuseAsync(exchange, OpenAIError.RateLimited(rate.Message!, forTokens: rate.Limit != RateLimit.RequestsPerMinute));
                return;
            }

            if (decision.QuotaRefusal is { } refusal)
            {
                ProxyLog.QuotaRefused(logger, account.Team.Name, exchange.Model, refusal.Used, refusal.Quota, exchange.RequestId);
                var message = refusal.Message;
                if (account.NextResetAt(settings.QuotaTimeZone) is { } renews)
                {
                    message += $" The quota renews at {renews.UtcDateTime:yyyy-MM-dd HH:mm} UTC.";
                    var wait = Math.Max(1, (long)Math.Ceiling((renews - clock.GetUtcNow()).TotalSeconds));
                    context.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await RefuseAsync(exchange, OpenAIError.InsufficientQuota(message));
                return;
            }

            exchange.Reservation = decision.Reservation;

            // 6-8. Forward, relay, charge.
            await SendAndRelayAsync(exchange, kind, body, bodyLength);
        }
        finally
        {
            // Whatever happened above, a request that passed authentication is in the books,
            // and its reservation is released by the charge's commit.
            if (!exchange.IsCharged)
            {
                if (exchange.Status == 0)
                {
                    exchange.Status = context.RequestAborted.IsCancellationRequested ? 499 : 500;
                    exchange.ErrorType ??= context.RequestAborted.IsCancellationRequested ? "client_disconnected" : "internal_error";
                }

                await exchange.ChargeAsync();
            }

            if (body is not null)
            {
                ArrayPool<byte>.Shared.Return(body);
            }
        }
    }

    private OpenAIError? Prepare(ProxyExchange exchange, BodyKind kind, byte[] body, int length)
    {
        var span = body.AsSpan(0, length);
        string? requested;
        switch (kind)
        {
            case BodyKind.Json:
                if (!RequestFactsReader.TryRead(span, estimator, out var facts, out var error))
                {
                    return error;
                }

                exchange.Facts = facts;
                requested = facts.Model;
                break;
            case BodyKind.Multipart:
                var boundary = MultipartBoundary(exchange.Context.Request);
                if (boundary is null)
                {
                    return OpenAIError.BadRequest("The request must be multipart/form-data with a boundary.");
                }

                requested = MultipartFields.ReadString(span, boundary, "model");
                exchange.Facts = new RequestFacts
                {
                    Model = requested,
                    Stream = MultipartFields.ReadString(span, boundary, "stream") is "true",
                    PromptTokens = estimator.Count(MultipartFields.ReadString(span, boundary, "prompt")) + 1,
                };
                break;
            default:
                requested = null;
                break;
        }

        exchange.Model = LogText.Cap(requested) ?? "";
        if (requested is null)
        {
            // Endpoints the operator opened with FORWARD_UNKNOWN_ENDPOINTS may not name a model;
            // every known endpoint must, or the provider would pick a default we never checked.
            return ApiEndpoint.Known.Contains(exchange.Endpoint)
                ? OpenAIError.BadRequest("You must provide a model parameter.", "model")
                : null;
        }

        if (requested.Length > LogText.MaxLength)
        {
            return OpenAIError.ModelTooLong(requested);
        }

        var configured = models.Resolve(requested, exchange.Account.Team);
        if (configured is null)
        {
            return OpenAIError.ModelNotFound(
                $"The model '{requested}' does not exist or your team does not have access to it. " +
                "GET /v1/models lists the models you can use.");
        }

        exchange.Model = configured;
        return null;
    }

    private async Task SendAndRelayAsync(ProxyExchange exchange, BodyKind kind, byte[] body, int length)
    {
        var context = exchange.Context;
        var facts = exchange.Facts;
        var askForUsage = exchange.Endpoint.StreamReportsUsage && facts.Stream;
        byte[]? rewritten = null;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        try
        {
            var (buffer, size, rented) = kind switch
            {
                BodyKind.Json => RequestRewriter.Rewrite(body, length, facts, exchange.Model, askForUsage),
                BodyKind.Multipart => MultipartFields.Replace(
                    body, length, MultipartBoundary(context.Request)!, "model", exchange.Model),
                _ => (body, length, false),
            };
            rewritten = rented ? buffer : null;

            using var request = BuildRequest(context.Request, exchange.Endpoint, buffer, size);
            HttpResponseMessage response;
            try
            {
                idle.CancelAfter(settings.UpstreamIdleTimeout);
                response = await provider.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, idle.Token);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                if (!context.RequestAborted.IsCancellationRequested)
                {
                    health.Unreachable();
                }

                await FailBeforeResponseAsync(exchange, e);
                return;
            }

            health.Reached();

            using (response)
            {
                exchange.UpstreamRequestId = response.Headers.TryGetValues("x-request-id", out var ids)
                    ? ids.FirstOrDefault()
                    : null;
                await relay.RelayAsync(exchange, response, idle, askForUsage && !facts.ClientWantsStreamUsage);
            }
        }
        finally
        {
            if (rewritten is not null)
            {
                ArrayPool<byte>.Shared.Return(rewritten);
            }
        }
    }

    private HttpRequestMessage BuildRequest(HttpRequest incoming, ApiEndpoint endpoint, byte[] body, int length)
    {
        var target = endpoint.ProviderUrl(settings.ProviderBaseUrl, incoming.QueryString.Value);
        var request = new HttpRequestMessage(new HttpMethod(incoming.Method), target);
        HeaderRules.CopyToProvider(incoming, request, settings.ProviderApiKey);
        if (length > 0 || HttpMethods.IsPost(incoming.Method) || HttpMethods.IsPut(incoming.Method))
        {
            request.Content = new ByteArrayContent(body, 0, length);
            if (MediaTypeHeaderValue.TryParse(incoming.ContentType, out var contentType))
            {
                request.Content.Headers.ContentType = contentType;
            }
        }

        return request;
    }

    private async Task FailBeforeResponseAsync(ProxyExchange exchange, Exception failure)
    {
        var context = exchange.Context;
        exchange.NothingToCharge = true;
        if (context.RequestAborted.IsCancellationRequested)
        {
            // The provider may already be working on it: charge the prompt, as it will.
            exchange.NothingToCharge = false;
            exchange.Status = 499;
            exchange.ErrorType = "client_disconnected";
            ProxyLog.ClientDisconnected(logger, exchange.Endpoint.Route, exchange.RequestId);
            return;
        }

        OpenAIError error;
        if (failure is OperationCanceledException)
        {
            error = OpenAIError.ProviderTimeout(settings.UpstreamIdleTimeout);
            exchange.ErrorType = "provider_timeout";
            ProxyLog.ProviderIdle(logger, exchange.Endpoint.Route, (int)settings.UpstreamIdleTimeout.TotalSeconds, exchange.RequestId);
        }
        else
        {
            error = OpenAIError.ProviderUnreachable();
            exchange.ErrorType = "provider_unreachable";
            ProxyLog.ProviderUnreachable(logger, exchange.Endpoint.Route, exchange.RequestId, Describe(failure));
        }

        exchange.Status = error.Status;
        await exchange.ChargeAsync();
        await error.WriteAsync(context.Response);
    }

    /// <summary>Records the refusal in the books, then answers with it.</summary>
    private async Task RefuseAsync(ProxyExchange exchange, OpenAIError error)
    {
        exchange.Status = error.Status;
        exchange.NothingToCharge = true;
        exchange.ErrorType = error.Code ?? error.Type;
        await exchange.ChargeAsync();
        await error.WriteAsync(exchange.Context.Response);
    }

    /// <summary>The body in a pooled buffer, or null when it is larger than allowed.</summary>
    private async Task<(byte[]? Body, int Length)> ReadBodyAsync(HttpRequest request)
    {
        var limit = settings.MaxRequestBodyBytes;
        if (request.ContentLength > limit)
        {
            return (null, 0);
        }

        // One byte past the limit tells a body that is too large. Never more: the pool's buffers
        // come in powers of two, and reading on into one would run into Kestrel's own limit
        // and make a chunked body too large an unreadable one. (A limit beyond what one array
        // holds is cut to that size.)
        var capacity = (int)Math.Min(limit + 1, Array.MaxLength);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(request.ContentLength ?? 16 * 1024, 1024, capacity));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == Math.Min(buffer.Length, capacity))
                {
                    if (length == capacity)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (null, 0);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, capacity));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var room = Math.Min(buffer.Length, capacity) - length;
                var read = await request.Body.ReadAsync(buffer.AsMemory(length, room), request.HttpContext.RequestAborted);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        if (length > limit)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, 0);
        }

        return (buffer, length);
    }

    private static BodyKind BodyKindOf(ApiEndpoint endpoint, HttpRequest request)
    {
        if (endpoint.Body != BodyKind.ByContentType)
        {
            return endpoint.Body;
        }

        var type = request.ContentType ?? "";
        if (type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return BodyKind.Json;
        }

        return type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) ? BodyKind.Multipart : BodyKind.None;
    }

    internal static string? MultipartBoundary(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            ? type.Parameters.FirstOrDefault(p => p.Name.Equals("boundary", StringComparison.OrdinalIgnoreCase))?.Value?.Trim('"')
            : null;

    private static string Describe(Exception failure) => failure switch
    {
        HttpRequestException { InnerException: SocketException socket } => socket.SocketErrorCode.ToString(),
        HttpRequestException http => http.HttpRequestError.ToString(),
        _ => failure.GetType().Name,
    };
}
