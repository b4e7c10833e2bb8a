using TokenRouter.Config;

namespace TokenRouter.Admin;

internal static class AdminExtensions
{
    public static IServiceCollection AddAdmin(this IServiceCollection services, RouterSettings settings) => services;

    public static WebApplication MapAdmin(this WebApplication app) => app;

    public static WebApplication MapDocs(this WebApplication app) => app;
}
