using Microsoft.Net.Http.Headers;

namespace TokenRouter.Admin;

/// <summary>
/// Refuses the state-changing admin calls a hostile web page could make the admin's browser send:
/// requests from another site, and bodies that are not JSON. A form post or a text/plain fetch
/// needs no CORS preflight, so without this any page the admin visits could, for example, post
/// wrong passwords to /admin/api/login and lock the admin's address out.
/// </summary>
/// <remarks>
/// It runs before authentication and the sign-in rate limit, so a refused request never counts as
/// a wrong password nor uses up attempts. The CLI and scripts send neither Origin nor
/// Sec-Fetch-Site and are judged by their content type alone.
/// </remarks>
internal static class ForgedRequestGuard
{
    public static WebApplication UseForgedRequestGuard(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var request = context.Request;
            if (!request.Path.StartsWithSegments("/admin/api", StringComparison.OrdinalIgnoreCase)
                || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
            {
                return next(context);
            }

            if (IsCrossSite(request))
            {
                AdminLog.CrossSiteRefused(Logger(context), context.Connection.RemoteIpAddress);
                return AdminErrors.WriteAsync(context, AdminErrors.CrossSiteRefused());
            }

            if (HasBody(request) && !IsJson(request.ContentType))
            {
                return AdminErrors.WriteAsync(context, AdminErrors.NotJson());
            }

            return next(context);
        });
        return app;
    }

    /// <summary>
    /// True when the browser says the request comes from another site, or names an origin other than
    /// this server's own (its scheme as forwarded by a trusted proxy, and its Host).
    /// </summary>
    internal static bool IsCrossSite(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"];
        if (site.Count > 0 && string.Equals(site.ToString(), "cross-site", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var origin = request.Headers.Origin;
        if (origin.Count == 0)
        {
            return false;
        }

        // "null" (a sandboxed frame, a file) and anything that is not one absolute origin is foreign.
        return origin.Count > 1
            || !Uri.TryCreate(origin.ToString(), UriKind.Absolute, out var claimed)
            || !Uri.TryCreate($"{request.Scheme}://{request.Host.Value}", UriKind.Absolute, out var own)
            || Uri.Compare(claimed, own, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0;
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0 || request.ContentType is not null;

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static ILogger<AdminLog> Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILogger<AdminLog>>();
}
