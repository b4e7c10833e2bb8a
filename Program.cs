using TokenRouter.Admin;
using TokenRouter.Cli;
using TokenRouter.Hosting;
using TokenRouter.Config;
using TokenRouter.Proxy;
using TokenRouter.Quota;
using TokenRouter.Storage;

namespace TokenRouter;

internal static class Program
{
    private static Task<int> Main(string[] args) => RouterCommandLine.RunAsync(args);

    /// <summary>Builds the server: every area registers its services, then maps its endpoints.</summary>
    /// <param name="configure">Last word on the builder before it is built; tests add their log sink here.</param>
    internal static WebApplication BuildServer(
        RouterSettings settings, TimeProvider? clock = null, Action<WebApplicationBuilder>? configure = null)
    {
        // No configuration reload: it watches the working directory, which usually holds the
        // database, and every write to it would wake the watcher (a quarter of a request's CPU).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });

        // Hosting: Kestrel limits, addresses, logging, graceful shutdown.
        builder.AddRouterHosting(settings, clock ?? TimeProvider.System);

        // The books: SQLite storage, the single writer and the in-memory ledger.
        builder.Services.AddBooks(settings);
        builder.Services.AddQuota(settings);

        // The OpenAI-compatible API under /v1.
        builder.Services.AddProxy(settings);

        // The admin API, the panel and the API docs.
        builder.Services.AddAdmin(settings);

        configure?.Invoke(builder);
        var app = builder.Build();

        app.UseRouterHosting();
        app.MapHealth();
        app.MapProxy();
        app.MapAdmin();
        app.MapDocs();
        return app;
    }

    /// <summary>Opens the books, loads the teams and starts listening.</summary>
    internal static async Task<WebApplication> StartServerAsync(
        RouterSettings settings,
        TimeProvider? clock = null,
        CancellationToken cancellationToken = default,
        Action<WebApplicationBuilder>? configure = null)
    {
        var app = BuildServer(settings, clock, configure);
        await app.Services.OpenBooksAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
        return app;
    }
}
