namespace TokenRouter.Proxy;

/// <summary>
/// The id of a /v1 request: made when the request arrives and sent back as x-request-id on
/// every answer, refusals included, so that a client can quote it; the log row of the
/// request carries the same id.
/// </summary>
internal static class RequestIds
{
    public const string Header = "x-request-id";

    private static readonly object Key = new();

    /// <summary>This request's id, made on first use and set on the response.</summary>
    public static string Of(HttpContext context)
    {
        if (context.Items[Key] is string id)
        {
            return id;
        }

        // Time-ordered (UUIDv7), so that new log rows land at the end of the primary key's index.
        id = "req_" + Guid.CreateVersion7().ToString("N");
        context.Items[Key] = id;
        context.Response.Headers[Header] = id;
        return id;
    }

    /// <summary>Gives every endpoint of the group its id before anything can refuse the request.</summary>
    public static RouteGroupBuilder WithRequestIds(this RouteGroupBuilder group) =>
        group.AddEndpointFilter((invocation, next) =>
        {
            _ = Of(invocation.HttpContext);
            return next(invocation);
        });
}
