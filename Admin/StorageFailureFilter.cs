using Microsoft.Data.Sqlite;
using TokenRouter.Storage;

namespace TokenRouter.Admin;

/// <summary>
/// Turns a change the books could not write (storage failing, see <see cref="IBooks"/>), or a
/// read the database failed, into a 503 with an API error: an admin or a script hears at once,
/// or after the books' bounded wait, that nothing was changed, instead of a 500 or a hang.
/// </summary>
internal sealed class StorageFailureFilter(ILogger<AdminLog> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception error) when (error is StorageUnavailableException
            || (error is SqliteException && !SqliteErrors.IsFaultOfTheWrite(error)))
        {
            var http = context.HttpContext;
            AdminLog.StorageUnavailable(logger, http.Request.Method, http.Request.Path);
            return AdminErrors.StorageUnavailable();
        }
    }
}
