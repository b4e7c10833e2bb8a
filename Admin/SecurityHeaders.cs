namespace TokenRouter.Admin;

/// <summary>Headers that keep the panel and the docs from being framed, sniffed or injected into.</summary>
internal static class SecurityHeaders
{
    /// <summary>
    /// Everything from our own origin, nothing inline: the panel and the docs viewer load
    /// their scripts and styles as files. data: images are the viewer's CSS icons.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The same for /docs, plus the one &lt;style&gt; element Swagger UI inlines: the colours of its
    /// logo, allowed by its hash rather than by 'unsafe-inline'.
    /// </summary>
    public const string DocsContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; " +
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
        "form-action 'self'; frame-ancestors 'none'";

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var path = context.Request.Path;
            if (IsPanelOrDocs(path))
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = path.StartsWithSegments("/docs", StringComparison.OrdinalIgnoreCase)
                    ? DocsContentSecurityPolicy
                    : ContentSecurityPolicy;
                headers.XFrameOptions = "DENY";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                if (path.StartsWithSegments("/admin/api", StringComparison.OrdinalIgnoreCase))
                {
                    // Admin answers hold tokens and usage: no cache, shared or private, keeps them.
                    // (The same value antiforgery sets, so that it has nothing to override and warn of.)
                    headers.CacheControl = "no-cache, no-store";
                }
            }

            return next(context);
        });
        return app;
    }

    // Runs for every request, /v1 included: plain comparisons, no allocation.
    private static bool IsPanelOrDocs(PathString path) =>
        path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/docs", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase);
}
