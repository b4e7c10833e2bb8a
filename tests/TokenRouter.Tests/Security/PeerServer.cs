using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using TokenRouter.Config;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Security;

/// <summary>
/// A whole TokenRouter in process whose clients can pose as any socket address: a request's
/// <see cref="PeerHeader"/> replaces the connection's remote address before anything of
/// TokenRouter runs, as if the request had come from that machine. Tests bind to loopback
/// only, and loopback is always a trusted proxy, so this is how a test reaches the server
/// "from the internet" or "from the reverse proxy".
/// </summary>
internal sealed class PeerServer : IAsyncDisposable
{
    public const string PeerHeader = "X-Test-Peer";
    public const string AdminPassword = "peer-test-admin-password";

    private readonly WebApplication _app;
    private readonly string _directory;

    private PeerServer(WebApplication app, LogCapture logs, string directory)
    {
        _app = app;
        _directory = directory;
        Logs = logs;
        var address = app.Services.GetRequiredService<IServer>().Features
            .GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
    }

    public Uri BaseAddress { get; }

    public LogCapture Logs { get; }

    public static async Task<PeerServer> StartAsync(params IPAddress[] trustedProxies)
    {
        var directory = Directory.CreateTempSubdirectory("tokenrouter-peer-").FullName;
        var settings = new RouterSettings
        {
            Host = "127.0.0.1",
            Port = 0,
            DatabasePath = Path.Combine(directory, "books.db"),
            EnvFilePath = Path.Combine(directory, ".env"),
            ProviderApiKey = "sk-provider-peer-test",
            ProviderBaseUrl = new Uri("http://127.0.0.1:9/v1/"),
            AllowedModels = ["gpt-4o-mini"],
            AdminPassword = AdminPassword,
            TrustedProxies = trustedProxies,
        };
        var logs = new LogCapture();
        var app = await Program.StartServerAsync(settings, configure: builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            builder.Services.AddSingleton<IStartupFilter, PeerAddressFilter>();
        });
        return new PeerServer(app, logs, directory);
    }

    /// <summary>A client whose requests come "from" <paramref name="peer"/>, with a cookie jar like a browser.</summary>
    public HttpClient ClientFrom(string peer)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Add(PeerHeader, peer);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans its temp folder.
        }
    }

    private sealed class PeerAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                if (context.Request.Headers.TryGetValue(PeerHeader, out var peer))
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(peer.ToString());
                    context.Request.Headers.Remove(PeerHeader);
                }

                return following(context);
            });
            next(app);
        };
    }
}
