using System.Text.Json;
using TokenRouter.Storage;

namespace TokenRouter.Proxy;

/// <summary>
/// An error in OpenAI's shape: {"error":{"message","type","param","code"}}. The official
/// SDKs pick their exception class from the status and read these four fields.
/// </summary>
internal sealed record OpenAIError(int Status, string Message, string Type, string? Code, string? Param = null)
{
    public static OpenAIError InvalidApiKey(string message) =>
        new(StatusCodes.Status401Unauthorized, message, "invalid_request_error", "invalid_api_key");

    public static OpenAIError ModelNotFound(string message) =>
        new(StatusCodes.Status404NotFound, message, "invalid_request_error", "model_not_found", "model");

    /// <summary>No real model has a name this long; only its start is quoted back, and the log row keeps no more.</summary>
    public static OpenAIError ModelTooLong(string requested) =>
        BadRequest($"'model' must be at most {LogText.MaxLength} characters; this one starts with " +
            $"'{LogText.Cap(requested, 32)}'.", "model", "model_too_long");

    public static OpenAIError InsufficientQuota(string message) =>
        new(StatusCodes.Status429TooManyRequests, message, "insufficient_quota", "insufficient_quota");

    /// <summary>A rate-limit refusal; like OpenAI, the type says which kind of limit: "requests" or "tokens".</summary>
    public static OpenAIError RateLimited(string message, bool forTokens) =>
        new(StatusCodes.Status429TooManyRequests, message, forTokens ? "tokens" : "requests", "rate_limit_exceeded");

    public static OpenAIError BadRequest(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status400BadRequest, message, "invalid_request_error", code, param);

    public static OpenAIError TooLarge(long limitBytes) =>
        new(StatusCodes.Status413PayloadTooLarge,
            $"The request body is larger than this server accepts ({limitBytes / (1024 * 1024)} MB).",
            "invalid_request_error", "request_too_large");

    /// <summary>
    /// A request Kestrel could not read: broken chunked framing, or a body slower than the
    /// minimum data rate (408). The client's fault, with the status Kestrel chose.
    /// </summary>
    public static OpenAIError Unreadable(BadHttpRequestException failure) =>
        new(failure.StatusCode, "The request could not be read: " + failure.Message, "invalid_request_error",
            failure.StatusCode == StatusCodes.Status408RequestTimeout ? "request_timeout" : "unreadable_request");

    public static OpenAIError NotFound(string path) =>
        new(StatusCodes.Status404NotFound, $"Unknown endpoint: {path}.", "invalid_request_error", "unknown_url");

    public static OpenAIError ProviderUnreachable() =>
        new(StatusCodes.Status502BadGateway, "The provider could not be reached. Try again shortly.",
            "upstream_error", "provider_unreachable");

    public static OpenAIError ProviderTimeout(TimeSpan idle) =>
        new(StatusCodes.Status504GatewayTimeout,
            $"The provider sent nothing for {(int)idle.TotalSeconds} seconds.", "upstream_error", "provider_timeout");

    public static OpenAIError BadProviderResponse(string message) =>
        new(StatusCodes.Status502BadGateway, message, "upstream_error", "bad_provider_response");

    public static OpenAIError Unavailable(string message) =>
        new(StatusCodes.Status503ServiceUnavailable, message, "server_error", "service_unavailable");

    /// <summary>The error body as UTF-8 JSON.</summary>
    public byte[] ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteTo(json);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public void WriteTo(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", Message);
        json.WriteString("type", Type);
        WriteNullable(json, "param", Param);
        WriteNullable(json, "code", Code);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Writes this error as the whole response (nothing may have been sent yet).</summary>
    public Task WriteAsync(HttpResponse response)
    {
        response.StatusCode = Status;
        response.ContentType = "application/json";
        var body = ToJson();
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
