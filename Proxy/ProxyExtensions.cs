using System.Diagnostics;
using System.Net;
using System.Text.Json;
using TokenRouter.Config;

namespace TokenRouter.Proxy;

internal static class ProxyExtensions
{
    public static IServiceCollection AddProxy(this IServiceCollection services, RouterSettings settings)
    {
        services.AddSingleton(_ => CreateProviderClient());
        services.AddSingleton<TokenEstimator>();
        services.AddSingleton<ProviderHealth>();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<TeamAuthenticator>();
        services.AddSingleton<UsageCharger>();
        services.AddSingleton<StreamRelay>();
        services.AddSingleton<ResponseRelay>();
        services.AddSingleton<Forwarder>();
        return services;
    }

    public static WebApplication MapProxy(this WebApplication app)
    {
        var v1 = app.MapGroup("/v1").WithRequestIds();
        foreach (var endpoint in ApiEndpoint.Known)
        {
            v1.MapPost(endpoint.Path, (HttpContext context, Forwarder forwarder) => forwarder.ForwardAsync(context, endpoint))
                .WithName(endpoint.Path);
        }

        v1.MapGet("models", ModelEndpoints.ListAsync);
        v1.MapGet("models/{id}", ModelEndpoints.GetAsync);
        v1.MapTeamStanding();
        v1.Map("{**path}", ForwardUnknownAsync);
        return app;
    }

    /// <summary>Any other /v1 path: forwarded when the operator allows it, else OpenAI's 404.</summary>
    /// <param name="path">Empty for /v1/ itself; optional, or the binder would answer that with a bare 400.</param>
    private static Task ForwardUnknownAsync(HttpContext context, string? path, RouterSettings settings, Forwarder forwarder)
    {
        var endpoint = ApiEndpoint.ForPath(path ?? "", context.Request.Method);
        if (!settings.ForwardUnknownEndpoints && !ApiEndpoint.Known.Contains(endpoint))
        {
            return OpenAIError.NotFound(context.Request.Path).WriteAsync(context.Response);
        }

        return forwarder.ForwardAsync(context, endpoint);
    }

    /// <summary>
    /// One client for the provider, its connections pooled and recycled so DNS changes are
    /// seen. No overall timeout: long generations are bounded by the idle timeout instead.
    /// No trace headers of its own: the client's traceparent and tracestate reach the provider
    /// unchanged (see <see cref="HeaderRules.CopyToProvider"/>), and none is invented without them.
    /// </summary>
    private static HttpClient CreateProviderClient()
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            ConnectTimeout = TimeSpan.FromSeconds(15),
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
        };
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
