using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using TokenRouter.Config;
using TokenRouter.Proxy;

namespace TokenRouter.Hosting;

internal static class HostingExtensions
{
    /// <summary>Kestrel, logging and shutdown, set deliberately rather than left to defaults.</summary>
    public static WebApplicationBuilder AddRouterHosting(
        this WebApplicationBuilder builder, RouterSettings settings, TimeProvider clock)
    {
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(clock);
        builder.WebHost.UseUrls($"http://{FormatHost(settings.Host)}:{settings.Port}");
        builder.WebHost.ConfigureKestrel(kestrel => ConfigureLimits(kestrel, settings));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = settings.ShutdownGrace);
        // One line per proxied request comes from TokenRouter itself; the framework's own
        // per-request lines would double the log and cost throughput, so it speaks only of
        // problems (Logging__LogLevel__<category> in the environment still overrides this).
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Http", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.UseUtcTimestamp = true;
        });
        return builder;
    }

    /// <summary>
    /// Forwarded headers from trusted proxies only; whatever escapes an endpoint becomes a
    /// plain 500 in OpenAI's shape, never a stack trace.
    /// </summary>
    public static WebApplication UseRouterHosting(this WebApplication app)
    {
        app.UseForwardedHeaders(ForwardedHeadersFrom(app.Services.GetRequiredService<RouterSettings>()));
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context =>
            {
                var failure = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                var error = failure is Microsoft.AspNetCore.Http.BadHttpRequestException bad
                    ? new OpenAIError(bad.StatusCode, "The request could not be read: " + bad.Message,
                        "invalid_request_error", "bad_request")
                    : new OpenAIError(StatusCodes.Status500InternalServerError,
                        "TokenRouter failed to handle this request.", "server_error", "internal_error");
                return error.WriteAsync(context.Response);
            },
        });
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

    private static void ConfigureLimits(KestrelServerOptions kestrel, RouterSettings settings)
    {
        kestrel.AddServerHeader = false;

        // The proxy reads bodies itself and answers 413 in OpenAI's shape at the configured
        // limit; Kestrel's own limit sits just above it as a backstop.
        kestrel.Limits.MaxRequestBodySize = settings.MaxRequestBodyBytes + 1024 * 1024;
        kestrel.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
        kestrel.Limits.MaxRequestLineSize = 16 * 1024;
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(30);
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(2);

        // Slow clients: a body that trickles in below 240 bytes/s after a 10 s grace is cut.
        kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(240, TimeSpan.FromSeconds(10));
    }

    private static string FormatHost(string host) =>
        host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
}
