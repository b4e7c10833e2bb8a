using System.Net;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.ResponseCompression;
using TokenRouter.Config;
using TokenRouter.Proxy;

namespace TokenRouter.Admin;

internal static class AdminExtensions
{
    private const string AdminApiPath = "/admin/api";

    public static IServiceCollection AddAdmin(this IServiceCollection services, RouterSettings settings)
    {
        // TokenRouter's JSON is snake_case on both APIs (OpenAI's convention), and the OpenAPI
        // document reads property names from these options, so they are set here for the docs
        // to match what the endpoints write.
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJsonContext.Default);

            // The docs describe what the proxy writes itself (models, standing) with its own types.
            options.SerializerOptions.TypeInfoResolverChain.Add(ProxyJsonContext.Default);
        });

        // Lists, usage and CSV exports shrink to a tenth; /v1 never passes through this (see MapAdmin).
        services.AddResponseCompression(options =>
        {
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
            options.MimeTypes = ["application/json", "text/csv"];
        });

        services.AddAdminAuthentication();
        services.AddSingleton<AdminFallback>();
        services.AddRateLimiter(options =>
            options.AddPolicy<IPAddress, LoginRatePolicy>(SessionEndpoints.LoginRateLimitPolicy));

        services.AddOpenApi(ApiDocs.DocumentName, options =>
        {
            // The generated part covers the admin API; ApiDocument adds /v1 by hand.
            options.ShouldInclude = description =>
                description.RelativePath?.StartsWith("admin/api/", StringComparison.OrdinalIgnoreCase) == true;
            options.AddDocumentTransformer<ApiDocument>();
            options.AddOperationTransformer<ApiOperations>();
        });
        return services;
    }

    public static WebApplication MapAdmin(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseForgedRequestGuard();
        app.UseWhen(IsCompressible, api => api.UseResponseCompression());
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        var api = app.MapGroup(AdminApiPath);
        var admin = api.MapGroup("")
            .RequireAuthorization(AdminAuthentication.Policy)
            .AddEndpointFilter<CsrfFilter>()
            .AddEndpointFilter<StorageFailureFilter>();

        api.MapSession(admin);
        admin.MapTeams();
        admin.MapLogs();
        admin.MapUsage();
        admin.MapSettings(app.Services.GetRequiredService<TimeProvider>());

        // Unknown admin paths get a JSON 404 (or 405 for a known path), not the panel's page.
        api.Map("/{**path}", (HttpContext context, AdminFallback fallback) => fallback.Answer(context))
            .ExcludeFromDescription();

        app.MapPanel();
        return app;
    }

    // Only reads are compressed, and not the session's: answers that carry a secret (a new
    // token, the CSRF token) stay plain, so their size cannot reveal it (BREACH).
    private static bool IsCompressible(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method)
        && context.Request.Path.StartsWithSegments(AdminApiPath, StringComparison.OrdinalIgnoreCase)
        && !context.Request.Path.StartsWithSegments(AdminApiPath + "/session", StringComparison.OrdinalIgnoreCase);

    public static WebApplication MapDocs(this WebApplication app) => app.MapApiDocs();

    /// <summary>At most this many sign-in attempts per client address and minute, right or wrong.</summary>
    private sealed class LoginRatePolicy : IRateLimiterPolicy<IPAddress>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (context, _) =>
        {
            context.HttpContext.Response.Headers.RetryAfter = "60";
            await AdminErrors.WriteAsync(context.HttpContext, AdminErrors.TooManyAttempts());
        };

        public RateLimitPartition<IPAddress> GetPartition(HttpContext httpContext) =>
            RateLimitPartition.GetFixedWindowLimiter(
                LoginThrottle.PartitionKey(httpContext.Connection.RemoteIpAddress),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 20, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
    }
}
