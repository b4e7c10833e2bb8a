using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace TokenRouter.Admin;

/// <summary>
/// Reads admin request bodies as JSON objects. The endpoints parse the body themselves instead
/// of letting minimal APIs bind it: the generated binder answers bad JSON with an empty 400,
/// and cannot tell an absent field from an explicit null.
/// </summary>
internal static class AdminBody
{
    /// <summary>Admin bodies are a few fields; anything bigger is refused while it is read.</summary>
    public const long MaxBytes = 64 * 1024;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    /// <summary>The body's top-level object, or the error to answer with.</summary>
    public static async Task<(JsonElement Body, JsonHttpResult<AdminError>? Error)> ReadObjectAsync(
        HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBytes;
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, DocumentOptions, cancellationToken);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (default, AdminErrors.Invalid(null, "The request body must be a JSON object.", "invalid_json"));
            }

            return (document.RootElement.Clone(), null);
        }
        catch (JsonException)
        {
            return (default, AdminErrors.Invalid(null, "The request body is not valid JSON.", "invalid_json"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (default, AdminErrors.TooLarge());
        }
    }
}
