using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerUI;

namespace TokenRouter.Admin;

/// <summary>
/// The OpenAPI document at /openapi/v1.json and Swagger UI at /docs. Swagger UI's files are
/// embedded in Swashbuckle.AspNetCore.SwaggerUI (swagger-ui-dist with its licence), so the docs
/// make no request beyond this server.
/// </summary>
internal static class ApiDocs
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ViewerPath = "docs";

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");

        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = ViewerPath;
            options.DocumentTitle = "TokenRouter API";
            options.SwaggerEndpoint(DocumentPath, "TokenRouter");
            options.EnableTryItOutByDefault();
            options.DisplayRequestDuration();
            options.DefaultModelsExpandDepth(0);

            // No validatorUrl: left unset, Swashbuckle's start script sets it to null, so the
            // viewer never sends the document to an outside validator.
        });
        return app;
    }

    /// <summary>
    /// Documents the JSON body an endpoint reads by itself. Unlike Accepts&lt;T&gt;, it adds no
    /// routing constraint, so a body sent without a JSON content type still reaches the
    /// endpoint and gets a clear answer instead of a 404 or 415.
    /// </summary>
    public static RouteHandlerBuilder DescribeJsonBody<T>(this RouteHandlerBuilder endpoint) =>
        endpoint.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new()
                    {
                        Schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken),
                    },
                },
            };
        });
}
