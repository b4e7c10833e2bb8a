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
    private static readonly PathString ViewerRoute = "/" + ViewerPath;

    // Swagger UI's package holds more than the viewer loads, among them its demo start script
    // that points at petstore.swagger.io; only the files the viewer uses are served.
    private static readonly HashSet<string> ViewerFiles = new(StringComparer.Ordinal)
    {
        "", "/", "/index.html", "/index.js", "/index.css", "/swagger-ui.css", "/swagger-ui-bundle.js",
        "/swagger-ui-standalone-preset.js", "/favicon-16x16.png", "/favicon-32x32.png", "/LICENSE", "/NOTICE",
    };

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        ApiDocumentCache.UseApiDocumentCache(app);
        app.MapOpenApi("/openapi/{documentName}.json");

        // Only /docs requests pass through the viewer's middleware; /v1 traffic skips its path checks.
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(ViewerRoute, StringComparison.OrdinalIgnoreCase),
            docs => docs
                .Use(next => context => ViewerFiles.Contains(ViewerFile(context.Request.Path)) ? next(context) : NotFound(context))
                .UseSwaggerUI(ConfigureViewer));
        return app;
    }

    private static string ViewerFile(PathString path) =>
        path.StartsWithSegments(ViewerRoute, StringComparison.OrdinalIgnoreCase, out var rest) ? rest.Value ?? "" : "";

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private static void ConfigureViewer(SwaggerUIOptions options)
    {
        options.RoutePrefix = ViewerPath;
        options.DocumentTitle = "TokenRouter API";
        options.SwaggerEndpoint(DocumentPath, "TokenRouter");
        options.EnableTryItOutByDefault();
        options.DisplayRequestDuration();
        options.DefaultModelsExpandDepth(0);

        // No validatorUrl: left unset, Swashbuckle's start script sets it to null, so the
        // viewer never sends the document to an outside validator.
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
