using TokenRouter.Proxy;

namespace TokenRouter.Hosting;

/// <summary>
/// A request Kestrel finds broken only while an endpoint reads it (bad chunked framing, a body
/// over Kestrel's own size limit, a body slower than the minimum data rate) is the client's
/// fault. It gets its 4xx in OpenAI's shape and one Debug line, where the exception handler
/// would log an Error with a stack trace for every stranger who sends garbage.
/// </summary>
internal static partial class UnreadableRequests
{
    public static IApplicationBuilder UseUnreadableRequests(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>()
            .CreateLogger(typeof(UnreadableRequests));
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException unreadable) when (!context.Response.HasStarted)
            {
                Log.Refused(logger, context.Request.Path.Value ?? "/", unreadable.StatusCode, unreadable.Message);
                await OpenAIError.Unreadable(unreadable).WriteAsync(context.Response);
            }
        });
        return app;
    }

    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Debug, "Refused an unreadable request to {Path} with {Status}: {Reason}")]
        public static partial void Refused(ILogger logger, string path, int status, string reason);
    }
}
