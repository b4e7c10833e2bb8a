using Microsoft.AspNetCore.Antiforgery;

namespace TokenRouter.Admin;

/// <summary>
/// Refuses a state-changing call made with the session cookie unless it carries the session's
/// X-CSRF-TOKEN. Bearer calls pass: a browser never attaches that header by itself.
/// </summary>
internal sealed class CsrfFilter(IAntiforgery antiforgery, ILogger<AdminLog> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;

        // IsRequestValidAsync lets GET, HEAD, OPTIONS and TRACE through by itself.
        if (AdminAuthentication.IsBearer(http.User) || await antiforgery.IsRequestValidAsync(http))
        {
            return await next(context);
        }

        AdminLog.CsrfRefused(logger, http.Connection.RemoteIpAddress);
        return AdminErrors.CsrfRefused();
    }
}
