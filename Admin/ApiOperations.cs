using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace TokenRouter.Admin;

/// <summary>
/// Finishes each generated admin API operation: a stable operationId for client generators,
/// and the integer type of the query parameters that the endpoints read as text (to answer a
/// bad value with their own error message instead of the framework's).
/// </summary>
internal sealed class ApiOperations : IOpenApiOperationTransformer
{
    private static readonly HashSet<string> IntegerQueryParameters = new(StringComparer.Ordinal)
    {
        "team_id", "status", "limit", "offset",
    };

    public Task TransformAsync(
        OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        operation.OperationId ??= IdOf(description.HttpMethod ?? "GET", description.RelativePath ?? "", "api");
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            if (parameter.In == ParameterLocation.Query && parameter.Name is { } name && IntegerQueryParameters.Contains(name))
            {
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" };
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The method and the path's words in camel case: GET /admin/api/teams/{id} is getAdminTeamsId.</summary>
    public static string IdOf(string method, string path, params string[] skipped) =>
        method.ToLowerInvariant() + string.Concat(path
            .Split('/', '{', '}', '.', ':')
            .Where(s => s.Length > 0 && !skipped.Contains(s) && s is not ("long" or "int"))
            .Select(s => char.ToUpperInvariant(s[0]) + s[1..]));
}
