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

            // Swagger UI would otherwise send the document to an outside validator for a badge.
            options.ConfigObject.ValidatorUrl = null;
        });
        return app;
    }
}
