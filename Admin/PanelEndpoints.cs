using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace TokenRouter.Admin;

/// <summary>
/// Serves the admin panel from the files embedded in the executable: <c>/admin</c> and every
/// client-side page (<c>/admin/teams</c> ...) get index.html, <c>/admin/assets/...</c> the
/// scripts and styles. Nothing is read from disk, and nothing outside this host is referenced.
/// </summary>
/// <remarks>
/// Files are found by exact name in a fixed table, so <c>..</c>, encoded slashes or backslashes
/// can never reach anything else; they are refused outright all the same.
/// NOTE: asset names carry no content hash, so every file is sent with <c>no-cache</c> and
/// revalidated by ETag (a 304 costs one small round trip). Hashed names would need a build
/// step that rewrites the imports between the modules, which the panel does without.
/// </remarks>
internal static class PanelEndpoints
{
    private const string IndexPath = "index.html";
    private const string AssetsPrefix = "assets/";
    private const string CacheControl = "no-cache";

    // The panel runs no inline script or style, so the policy needs no 'unsafe-inline'.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    // Compressing the files (brotli at its best) costs more CPU than all the rest of start-up;
    // done at start, it held back the first answers by some 150 ms on two cores. The first
    // panel request does it instead, and waits for it.
    private static readonly Lazy<Task<PanelAssets>> Assets =
        new(() => Task.Run(() => PanelAssets.Load(typeof(PanelEndpoints).Assembly)));

    public static IEndpointRouteBuilder MapPanel(this IEndpointRouteBuilder endpoints)
    {
        string[] reads = [HttpMethods.Get, HttpMethods.Head];

        RequestDelegate index = async context =>
        {
            if (!RedirectedToLowerCase(context))
            {
                await ServeAsync(context, (await Assets.Value).Find(IndexPath));
            }
        };
        RequestDelegate page = async context =>
        {
            var name = context.Request.RouteValues["page"] as string;
            if (!IsClientPage(name?.ToLowerInvariant()) || !RedirectedToLowerCase(context))
            {
                await ServeAsync(context, IsClientPage(name) ? (await Assets.Value).Find(IndexPath) : null);
            }
        };
        RequestDelegate asset = async context => await ServeAsync(context, FindAsset(await Assets.Value, context.Request.Path));

        endpoints.MapMethods("/admin", reads, index).AllowAnonymous();
        endpoints.MapMethods("/admin/{page}", reads, page).AllowAnonymous();
        endpoints.MapMethods("/admin/assets/{**path}", reads, asset).AllowAnonymous();
        return endpoints;
    }

    /// <summary>
    /// Routing ignores letter case, but the panel's own router reads the address as it is:
    /// /Admin/Teams is sent to /admin/teams, so the page found is the page shown.
    /// </summary>
    private static bool RedirectedToLowerCase(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var lower = path.ToLowerInvariant();
        if (path == lower)
        {
            return false;
        }

        context.Response.Redirect(lower + context.Request.QueryString, permanent: true);
        return true;
    }

    /// <summary>Client-side pages are one lower-case word or two joined by '-'; the API and assets are not pages.</summary>
    private static bool IsClientPage(string? page) =>
        page is { Length: > 0 and <= 32 } && page is not ("api" or "assets")
        && page.All(c => c is (>= 'a' and <= 'z') or '-');

    private static PanelAsset? FindAsset(PanelAssets assets, PathString requestPath)
    {
        // Kestrel leaves %2F encoded in the path and already removed dot segments; anything
        // still odd is refused here instead of being trusted to miss the lookup.
        var path = requestPath.Value?["/admin/".Length..];
        if (path is null || !path.StartsWith(AssetsPrefix, StringComparison.Ordinal)
            || path.Contains("..", StringComparison.Ordinal) || path.Contains("//", StringComparison.Ordinal)
            || path.Contains('\\') || path.Contains('%') || path.Contains(':'))
        {
            return null;
        }

        return assets.Find(path);
    }

    /// <summary>Sends one of the file's representations, or 304 when the client's copy is current.</summary>
    internal static Task ServeAsync(HttpContext context, PanelAsset? asset)
    {
        var response = context.Response;
        if (asset is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        var representation = ChooseEncoding(context.Request, asset);
        var headers = response.Headers;
        headers.CacheControl = CacheControl;
        headers.ETag = representation.ETag;
        if (asset.HasCompressedCopies)
        {
            headers.Vary = HeaderNames.AcceptEncoding;
        }

        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";

        if (IsNotModified(context.Request, representation.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = asset.ContentType;
        response.ContentLength = representation.Body.Length;
        if (representation.Encoding is { } encoding)
        {
            headers.ContentEncoding = encoding;
        }

        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(representation.Body, context.RequestAborted).AsTask();
    }

    private static PanelRepresentation ChooseEncoding(HttpRequest request, PanelAsset asset)
    {
        if (!asset.HasCompressedCopies)
        {
            return asset.Identity;
        }

        var accepted = request.GetTypedHeaders().AcceptEncoding;
        if (asset.Brotli is { } brotli && Accepts(accepted, "br"))
        {
            return brotli;
        }

        return asset.Gzip is { } gzip && Accepts(accepted, "gzip") ? gzip : asset.Identity;
    }

    private static bool Accepts(IList<StringWithQualityHeaderValue> accepted, string coding) =>
        accepted.Any(value => value.Value.Equals(coding, StringComparison.OrdinalIgnoreCase) && (value.Quality ?? 1) > 0);

    // If-None-Match uses the weak comparison: W/"x" matches "x".
    private static bool IsNotModified(HttpRequest request, string etag) =>
        request.GetTypedHeaders().IfNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Tag.Equals(etag));
}
