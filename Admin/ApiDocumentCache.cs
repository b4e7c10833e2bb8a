namespace TokenRouter.Admin;

/// <summary>
/// Keeps the OpenAPI document once it has been generated. It describes the routes, which do
/// not change while the server runs, and it is large (about 128 KB): generating it per request
/// costs far more than serving it, and with one copy it gets an ETag and brotli and gzip
/// copies made once.
/// </summary>
internal sealed class ApiDocumentCache
{
    private PanelAsset? _document;

    public static WebApplication UseApiDocumentCache(WebApplication app)
    {
        var cache = new ApiDocumentCache();
        app.UseWhen(
            context => HttpMethods.IsGet(context.Request.Method)
                && context.Request.Path.Equals(ApiDocs.DocumentPath, StringComparison.OrdinalIgnoreCase),
            cached => cached.Use(cache.ServeAsync));
        return app;
    }

    private async Task ServeAsync(HttpContext context, RequestDelegate next)
    {
        // Two first requests may both generate it; the copies are equal, so either may stay.
        var document = _document ??= await GenerateAsync(context, next);
        if (document is not null)
        {
            await PanelEndpoints.ServeAsync(context, document);
        }
    }

    /// <summary>Runs the generator into a buffer; null (its answer passed on as it is) when it failed.</summary>
    private static async Task<PanelAsset?> GenerateAsync(HttpContext context, RequestDelegate next)
    {
        var response = context.Response;
        var body = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            response.Body = body;
        }

        if (response.StatusCode != StatusCodes.Status200OK)
        {
            buffer.Position = 0;
            await buffer.CopyToAsync(body, context.RequestAborted);
            return null;
        }

        return PanelAssets.FromContent(response.ContentType ?? "application/json; charset=utf-8", buffer.ToArray());
    }
}
