using TokenRouter.Config;

namespace TokenRouter.Proxy;

internal static class ProxyExtensions
{
    public static IServiceCollection AddProxy(this IServiceCollection services, RouterSettings settings) => services;

    public static WebApplication MapProxy(this WebApplication app) => app;
}
