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

            if (!Decodes(document.RootElement))
            {
                return (default, AdminErrors.Invalid(null,
                    "The request body holds text that is not valid Unicode (bytes that are not UTF-8, " +
                    "or an escape such as \"\\ud800\" that stands for half a character).", "invalid_text"));
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

    /// <summary>
    /// True when every name and string in the document reads as text. The parser keeps strings
    /// as raw bytes and leaves undecodable ones to whoever reads them; checked here once, no
    /// endpoint meets one later as an exception.
    /// </summary>
    private static bool Decodes(JsonElement element)
    {
        try
        {
            Decode(element);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void Decode(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    Decode(property.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Decode(item);
                }

                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }
}
