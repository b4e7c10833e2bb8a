using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using TokenRouter.Config;
using TokenRouter.Proxy;

namespace TokenRouter.Hosting;

internal static class HostingExtensions
{
    /// <summary>
    /// Framework log categories kept quiet: the antiforgery library logs an Error with a stack
    /// trace for every malformed CSRF cookie a stranger sends, which would let anyone fill the
    /// log with alarms. The admin API logs refused CSRF checks itself.
    /// </summary>
    internal static readonly IReadOnlyList<string> QuietCategories = ["Microsoft.AspNetCore.Antiforgery"];

    /// <summary>Kestrel, logging and shutdown, set deliberately rather than left to defaults.</summary>
    public static WebApplicationBuilder AddRouterHosting(
        this WebApplicationBuilder builder, RouterSettings settings, TimeProvider clock)
    {
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(clock);
        builder.WebHost.UseUrls(ListenUrls.For(settings.Host, settings.Port));
        builder.WebHost.ConfigureKestrel(kestrel => ConfigureLimits(kestrel, settings));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = settings.ShutdownGrace);
        // One line per proxied request comes from TokenRouter itself; the framework's own
        // per-request lines would double the log and cost throughput, so it speaks only of
        // problems (Logging__LogLevel__<category> in the environment still overrides this).
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Http", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.Logging.AddPrintableConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.UseUtcTimestamp = true;
        });
        foreach (var category in QuietCategories)
        {
            builder.Logging.AddFilter(category, LogLevel.None);
        }

        return builder;
    }

    /// <summary>
    /// Forwarded headers from trusted proxies only; a request that turns out unreadable is
    /// the client's 4xx; whatever else escapes an endpoint becomes a plain 500 in OpenAI's
    /// shape, never a stack trace.
    /// </summary>
    public static WebApplication UseRouterHosting(this WebApplication app)
    {
        app.UseForwardedHeaders(ForwardedHeadersFrom(app.Services.GetRequiredService<RouterSettings>()));
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context => new OpenAIError(
                    StatusCodes.Status500InternalServerError,
                    "TokenRouter failed to handle this request.",
                    "server_error",
                    "internal_error")
                .WriteAsync(context.Response),
        });
        app.UseUnreadableRequests();
        return app;
    }

    /// <summary>
    /// X-Forwarded-For/-Proto are believed only from loopback and TRUSTED_PROXIES, so client
    /// addresses in logs and login lockouts cannot be spoofed by anyone else.
    /// </summary>
    private static ForwardedHeadersOptions ForwardedHeadersFrom(RouterSettings settings)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = 1,
        };
        foreach (var proxy in settings.TrustedProxies)
        {
            options.KnownProxies.Add(proxy);
        }

        return options;
    }

    /// <summary>
    /// Every limit that decides what a stranger can make the server hold, written out. Over a
    /// limit, Kestrel answers 413, 414, 431 or 408 (or closes a connection that says nothing);
    /// none of it reaches an endpoint or the books.
    /// </summary>
    private static void ConfigureLimits(KestrelServerOptions kestrel, RouterSettings settings)
    {
        kestrel.AddServerHeader = false;

        // The proxy reads bodies itself and answers 413 in OpenAI's shape at the configured
        // limit; Kestrel's own limit sits just above it as a backstop.
        kestrel.Limits.MaxRequestBodySize = settings.MaxRequestBodyBytes + 1024 * 1024;

        // Headers: room for long tokens and proxy headers, not for megabytes of them (431).
        kestrel.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
        kestrel.Limits.MaxRequestHeaderCount = 100;
        kestrel.Limits.MaxRequestLineSize = 16 * 1024;

        // A client that opens a connection and says little: its headers must be complete in
        // 30 s, and an idle keep-alive connection is closed after 2 minutes.
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(30);
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(2);

        // Slow clients: a body that trickles in below 240 bytes/s after a 10 s grace is cut
        // with a 408; one that stops reading a response it asked for is cut after 5 s below
        // 240 bytes/s while data waits. Neither limit touches a stream that is slow because
        // the model is: the rate only counts while bytes are waiting to move.
        kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(240, TimeSpan.FromSeconds(10));
        kestrel.Limits.MinResponseDataRate = new MinDataRate(240, TimeSpan.FromSeconds(5));

        // No cap on connections here: the reverse proxy in front, or the OS, bounds them.
        kestrel.Limits.MaxConcurrentConnections = null;
    }
}
